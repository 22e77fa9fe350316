# Hindi (hi): shared texts — layout, errors, identity checks, eligibility, CoWIN API errors.
# Plain words for citizens; CoWIN's own terms: टीकाकरण, टीका, खुराक, लाभार्थी, केंद्र, प्रमाणपत्र.
T = {
    "%(otp)s is your OTP to sign in to the vaccination portal. It is valid for 3 minutes. Do not share it.":
        "%(otp)s टीकाकरण पोर्टल पर साइन इन करने के लिए आपका ओटीपी है। यह 3 मिनट तक मान्य है। इसे किसी को न बताएँ।",
    "%(vaccine)s cannot be given as dose %(number)s; allowed: %(allowed)s.":
        "%(vaccine)s खुराक %(number)s के रूप में नहीं दी जा सकती; अनुमति है: %(allowed)s।",
    "A part of the number is not valid (for example the date or the region it encodes).":
        "नंबर का एक हिस्सा सही नहीं है (जैसे उसमें लिखी तारीख या क्षेत्र)।",
    "Action": "कार्य",
    "Action (starts with)": "कार्य (शुरुआत)",
    "Actor": "करने वाला",
    "Actor (staff username or id)": "करने वाला (कर्मचारी का यूज़रनेम या आईडी)",
    "An unexpected error happened on our side. Please try again in a moment.":
        "हमारी तरफ़ से कोई गड़बड़ी हुई। कृपया थोड़ी देर बाद फिर से कोशिश करें।",
    "Bad request": "गलत अनुरोध",
    "Conflict": "टकराव",
    "Dose %(number)s is due from %(date)s.": "खुराक %(number)s %(date)s से लगवाई जा सकती है।",
    "Export CSV": "CSV डाउनलोड करें",
    "Get vaccinated. Get your certificate.": "टीका लगवाएँ। अपना प्रमाणपत्र पाएँ।",
    "Go to the home page": "मुख्य पृष्ठ पर जाएँ",
    "Home": "मुख्य पृष्ठ",
    "Input parameter missing": "ज़रूरी जानकारी नहीं दी गई",
    "Invalid Pincode": "गलत पिनकोड",
    "Invalid date: %(value)s (expected dd-mm-yyyy)": "गलत तारीख: %(value)s (dd-mm-yyyy रूप में लिखें)",
    "Invalid district_id": "गलत district_id",
    "Invalid information": "गलत जानकारी",
    "Invalid value for %(name)s": "%(name)s का मान गलत है",
    "Language": "भाषा",
    "Main": "मुख्य",
    "Method not allowed": "यह तरीका अनुमत नहीं है",
    "National Vaccination Portal": "राष्ट्रीय टीकाकरण पोर्टल",
    "Newer": "नए",
    "No vaccine in this country's schedule is approved for this person.":
        "इस देश की टीका सूची में कोई भी टीका इस व्यक्ति के लिए स्वीकृत नहीं है।",
    "Not allowed": "अनुमति नहीं है",
    "Not old enough for vaccination.": "टीकाकरण के लिए उम्र अभी कम है।",
    "Not yet old enough for vaccination; eligible from %(date)s.":
        "टीकाकरण के लिए उम्र अभी कम है; %(date)s से पात्र।",
    "Nothing found.": "कुछ नहीं मिला।",
    "Object": "वस्तु",
    "Object id": "वस्तु की आईडी",
    "Object type": "वस्तु का प्रकार",
    "Older": "पुराने",
    "Outcome": "परिणाम",
    "Page not found": "पृष्ठ नहीं मिला",
    "Please enter a valid mobile number of this country (for example %(example)s).":
        "कृपया इस देश का सही मोबाइल नंबर लिखें (जैसे %(example)s)।",
    "Please enter a valid mobile number.": "कृपया सही मोबाइल नंबर लिखें।",
    "Please enter the document number.": "कृपया दस्तावेज़ का नंबर लिखें।",
    "Please sign in": "कृपया साइन इन करें",
    "Please sign in to continue.": "आगे बढ़ने के लिए कृपया साइन इन करें।",
    "Powered by cowin-kit, an open-source digital public good.":
        "cowin-kit पर आधारित, एक ओपन-सोर्स डिजिटल सार्वजनिक हित।",
    "Register with your mobile number, find a vaccination centre near you and book a dose for you and your family.":
        "अपने मोबाइल नंबर से पंजीकरण करें, अपने पास का टीकाकरण केंद्र खोजें और अपने व परिवार के लिए खुराक बुक करें।",
    "Service unavailable": "सेवा उपलब्ध नहीं है",
    "Skip to main content": "मुख्य सामग्री पर जाएँ",
    "Some of the information given is not valid.": "दी गई कुछ जानकारी सही नहीं है।",
    "Something went wrong": "कुछ गड़बड़ हो गई",
    "The areas file has problems; nothing was imported.": "क्षेत्रों की फ़ाइल में समस्याएँ हैं; कुछ भी आयात नहीं हुआ।",
    "The birth date this number encodes is impossible.": "इस नंबर में लिखी जन्म तारीख संभव नहीं है।",
    "The captcha was not solved correctly. Please try again.": "कैप्चा सही नहीं भरा गया। कृपया फिर से कोशिश करें।",
    "The check digit is wrong: please check the number for a typing error.":
        "जाँच अंक गलत है: कृपया देखें कि नंबर लिखने में कोई गलती तो नहीं हुई।",
    "The number has the wrong length.": "नंबर की लंबाई गलत है।",
    "The number is not in the expected format (for example %(example)s).":
        "नंबर सही रूप में नहीं है (जैसे %(example)s)।",
    "The number is not in the expected format.": "नंबर सही रूप में नहीं है।",
    "The page you are looking for does not exist or has moved.": "आप जो पृष्ठ खोज रहे हैं वह मौजूद नहीं है या हटा दिया गया है।",
    "The request could not be processed.": "अनुरोध पूरा नहीं हो सका।",
    "The service is temporarily unavailable. Please try again in a moment.":
        "सेवा अभी कुछ समय के लिए उपलब्ध नहीं है। कृपया थोड़ी देर बाद फिर से कोशिश करें।",
    "The vaccination schedule is complete.": "टीकाकरण पूरा हो गया है।",
    "The vaccine %(vaccine)s recorded for dose 1 is not in this country's schedules.":
        "खुराक 1 के लिए दर्ज टीका %(vaccine)s इस देश की टीका सूची में नहीं है।",
    "This conflicts with the current state; please refresh and try again.":
        "यह मौजूदा स्थिति से मेल नहीं खाता; कृपया पृष्ठ फिर से खोलें और कोशिश करें।",
    "This country's profile has no '%(item)s'.": "इस देश की प्रोफ़ाइल में '%(item)s' नहीं है।",
    "This identity document number is not valid.": "यह पहचान दस्तावेज़ नंबर सही नहीं है।",
    "This is not a mobile number; please enter a number that can receive SMS.":
        "यह मोबाइल नंबर नहीं है; कृपया ऐसा नंबर लिखें जिस पर SMS आ सके।",
    "This number belongs to someone born in %(year)s, not in the birth year given.":
        "यह नंबर %(year)s में जन्मे व्यक्ति का है, दिए गए जन्म वर्ष का नहीं।",
    "This number belongs to someone born on %(date)s, not on the birth date given.":
        "यह नंबर %(date)s को जन्मे व्यक्ति का है, दी गई जन्म तारीख का नहीं।",
    "This number does not match the gender given.": "यह नंबर दिए गए लिंग से मेल नहीं खाता।",
    "This person is not eligible for this dose.": "यह व्यक्ति इस खुराक के लिए पात्र नहीं है।",
    "To": "तक",
    "Too many requests": "बहुत ज़्यादा अनुरोध",
    "Too many requests. Please wait a little and try again.": "बहुत ज़्यादा अनुरोध। कृपया थोड़ा रुककर फिर से कोशिश करें।",
    "Unauthenticated access!": "बिना पहचान के पहुँच!",
    "Unknown beneficiary reference id": "अज्ञात लाभार्थी संदर्भ आईडी",
    "Upload too large": "फ़ाइल बहुत बड़ी है",
    "Vaccination": "टीकाकरण",
    "Vaccination is not yet open to this person; eligible from %(date)s.":
        "इस व्यक्ति के लिए टीकाकरण अभी शुरू नहीं हुआ है; %(date)s से पात्र।",
    "We could not find what you asked for.": "आपने जो माँगा वह हमें नहीं मिला।",
    "What you can do": "आप क्या कर सकते हैं",
    "When": "कब",
    "You are not allowed to do this.": "आपको यह करने की अनुमति नहीं है।",
    "Adverse event": "प्रतिकूल घटना",
    "After": "बाद में",
    "Before": "पहले",
    "Count": "संख्या",
    "File": "फ़ाइल",
    "Format": "प्रारूप",
    "Invalid center_id: no centre has this id; look centres up with findByPin, findByDistrict or findByLatLong":
        "गलत center_id: इस आईडी का कोई केंद्र नहीं है; केंद्र findByPin, findByDistrict या findByLatLong से खोजें",
    "Invalid value for %(name)s: %(reason)s": "%(name)s का मान गलत है: %(reason)s",
    "Kind": "प्रकार",
    "Lot": "लॉट",
    "Menu": "मेनू",
    "Ministry links": "मंत्रालय के लिंक",
    "Must be a date between %(low)s and %(high)s.":
        "%(low)s और %(high)s के बीच की तारीख होनी चाहिए।",
    "Must be a whole number between %(low)s and %(high)s.":
        "%(low)s और %(high)s के बीच की पूरी संख्या होनी चाहिए।",
    "NUL characters are not accepted (found in %(where)s). Please remove them and try again.":
        "NUL वर्ण स्वीकार नहीं किए जाते (ये %(where)s में मिले)। कृपया इन्हें हटाकर फिर से कोशिश करें।",
    "People": "लोग",
    "Results": "परिणाम",
    "Rows": "पंक्तियाँ",
    "Signed in as %(name)s (%(username)s)": "%(name)s (%(username)s) के रूप में साइन इन किया है",
    "Text must be valid Unicode: a lone surrogate was found in %(where)s. Please send the text again as UTF-8.":
        "टेक्स्ट मान्य यूनिकोड होना चाहिए: %(where)s में एक अकेला सरोगेट वर्ण मिला। कृपया टेक्स्ट को UTF-8 में फिर से भेजें।",
    "The JSON body is nested too deeply (at most %(depth)s levels). Please send a flatter document.":
        "JSON बॉडी बहुत गहराई तक नेस्टेड है (ज़्यादा से ज़्यादा %(depth)s स्तर)। कृपया कम नेस्टिंग वाला दस्तावेज़ भेजें।",
    "The request body is not valid JSON. Please check its syntax and encoding (UTF-8).":
        "अनुरोध की बॉडी मान्य JSON नहीं है। कृपया उसका सिंटैक्स और एन्कोडिंग (UTF-8) जाँचें।",
    "The request could not be read. Please check what was sent and try again.":
        "अनुरोध पढ़ा नहीं जा सका। कृपया भेजी गई जानकारी जाँचें और फिर से कोशिश करें।",
    "There is nothing at this address.": "इस पते पर कुछ नहीं है।",
    "Via": "माध्यम",
    "What was sent is too large. Please send a smaller file or less data.":
        "भेजी गई जानकारी बहुत बड़ी है। कृपया छोटी फ़ाइल या कम डेटा भेजें।",
    "a header": "एक हेडर",
    "the JSON body": "JSON बॉडी",
    "the address": "पृष्ठ का पता (URL)",
    "the form": "फ़ॉर्म",
    "the query": "क्वेरी",
}
