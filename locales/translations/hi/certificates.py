# Hindi (hi): certificates (PDF labels, citizen page), verification, correction requests.
# Titles follow CoWIN's Hindi certificate ("कोविड-19 टीकाकरण का अंतिम प्रमाणपत्र").
T = {
    "%(n)s of %(total)s": "%(total)s में से %(n)s",
    "A correction of this field is already waiting for a decision.": "इस जानकारी में सुधार का अनुरोध पहले से फ़ैसले का इंतज़ार कर रहा है।",
    "Approve": "मंज़ूर करें",
    "Approved. New certificate %(id)s issued; the old one is revoked.": "मंज़ूर हुआ। नया प्रमाणपत्र %(id)s जारी हुआ; पुराना रद्द कर दिया गया।",
    "Ask for a correction": "सुधार का अनुरोध करें",
    "Asked for": "माँगा गया",
    "Beneficiary name": "लाभार्थी का नाम",
    "Booster certificate (dose %(n)s)": "बूस्टर खुराक प्रमाणपत्र (खुराक %(n)s)",
    "Certificate": "प्रमाणपत्र",
    "Certificate ID": "प्रमाणपत्र आईडी",
    "Certificate corrections": "प्रमाणपत्र में सुधार",
    "Certificate for COVID-19 Vaccination (booster dose)": "कोविड-19 टीकाकरण का प्रमाणपत्र (बूस्टर खुराक)",
    "Certificate signing keys are not set up on this server yet.": "इस सर्वर पर अभी प्रमाणपत्र पर हस्ताक्षर करने की कुंजियाँ नहीं बनी हैं।",
    "Choose name, birth year or gender.": "नाम, जन्म वर्ष या लिंग चुनें।",
    "Choose one of the listed genders.": "सूची में दिए गए लिंगों में से एक चुनें।",
    "Correct value": "सही जानकारी",
    "Country": "देश",
    "Date of dose": "खुराक की तारीख",
    "Date of vaccination": "टीकाकरण की तारीख",
    "Date or year of birth": "जन्म तारीख या वर्ष",
    "Decision": "फ़ैसला",
    "EU Digital COVID Certificate": "EU डिजिटल कोविड प्रमाणपत्र",
    "Enter a birth year such as 1980.": "जन्म वर्ष लिखें, जैसे 1980।",
    "Enter the name as on the identity document.": "नाम पहचान दस्तावेज़ के अनुसार लिखें।",
    "Field": "जानकारी",
    "Final Certificate for COVID-19 Vaccination": "कोविड-19 टीकाकरण का अंतिम प्रमाणपत्र",
    "Final certificate (dose %(n)s)": "अंतिम प्रमाणपत्र (खुराक %(n)s)",
    "Gender": "लिंग",
    "ID": "आईडी",
    "Issued by": "जारी करने वाला",
    "National certificate (W3C)": "राष्ट्रीय प्रमाणपत्र (W3C)",
    "No QR code could be read from this image.": "इस तस्वीर से कोई QR कोड नहीं पढ़ा जा सका।",
    "No requests are waiting.": "कोई अनुरोध बाकी नहीं है।",
    "Note": "टिप्पणी",
    "Now": "अभी",
    "Paste the text of the QR code or choose a photo of it.": "QR कोड का टेक्स्ट चिपकाएँ या उसकी तस्वीर चुनें।",
    "Provisional Certificate for COVID-19 Vaccination": "कोविड-19 टीकाकरण का अस्थायी प्रमाणपत्र",
    "Provisional certificate (dose %(n)s)": "अस्थायी प्रमाणपत्र (खुराक %(n)s)",
    "QR code": "QR कोड",
    "Reject": "अस्वीकार करें",
    "Rejected.": "अस्वीकार किया गया।",
    "Requested": "अनुरोध की तारीख",
    "SMART Health Card": "SMART हेल्थ कार्ड",
    "Something wrong on the certificate?": "प्रमाणपत्र में कुछ गलत है?",
    "Text of the QR code": "QR कोड का टेक्स्ट",
    "There is no certificate for this person yet.": "इस व्यक्ति का अभी कोई प्रमाणपत्र नहीं है।",
    "This certificate could not be verified. It may be forged, damaged or from an issuer we do not know.":
        "इस प्रमाणपत्र की पुष्टि नहीं हो सकी। यह नकली, खराब या किसी अनजान जारीकर्ता का हो सकता है।",
    "This certificate has been revoked by its issuer.": "जारी करने वाले ने यह प्रमाणपत्र रद्द कर दिया है।",
    "This certificate is genuine and valid.": "यह प्रमाणपत्र असली और मान्य है।",
    "This certificate is genuine but no longer valid.": "यह प्रमाणपत्र असली है, पर अब मान्य नहीं है।",
    "This is already what the certificate says.": "प्रमाणपत्र में पहले से यही लिखा है।",
    "This request has already been decided.": "इस अनुरोध पर पहले ही फ़ैसला हो चुका है।",
    "Vaccinated at": "टीकाकरण का स्थान",
    "Vaccinated by": "टीका लगाने वाले",
    "Vaccination certificate": "टीकाकरण प्रमाणपत्र",
    "Vaccine name": "टीके का नाम",
    "Valid until": "तक मान्य",
    "Verify": "जाँचें",
    "Verify a certificate": "प्रमाणपत्र जाँचें",
    "Verify a vaccination certificate": "टीकाकरण प्रमाणपत्र जाँचें",
    "WHO DDCC:VS": "WHO DDCC:VS",
    "What should be corrected": "क्या ठीक करना है",
    "Your correction requests": "आपके सुधार अनुरोध",
    "Your request was sent. An official will review it.": "आपका अनुरोध भेज दिया गया है। एक अधिकारी इसे देखेंगे।",
    "approved": "मंज़ूर",
    "rejected": "अस्वीकार",
    "waiting for a decision": "फ़ैसले का इंतज़ार",
    "Add to my certificate": "मेरे प्रमाणपत्र में जोड़ें",
    "Add your passport: its number and your name exactly as printed in it. Your certificate is issued again with them.":
        "अपना पासपोर्ट जोड़ें: उसका नंबर और आपका नाम, ठीक वैसे ही जैसे उसमें छपा है। आपका प्रमाणपत्र इनके साथ फिर से जारी किया जाएगा।",
    "Certificates cannot be signed at the moment. Please try again in a few minutes.":
        "अभी प्रमाणपत्रों पर हस्ताक्षर नहीं हो पा रहे हैं। कृपया कुछ मिनट बाद फिर से कोशिश करें।",
    "Enter the given names exactly as printed in the passport, in Latin letters.":
        "दिया गया नाम ठीक वैसे ही लिखें जैसा पासपोर्ट में छपा है, लैटिन (अंग्रेज़ी) अक्षरों में।",
    "Enter the passport number as printed: 6 to 20 letters and digits.":
        "पासपोर्ट नंबर वैसे ही लिखें जैसा छपा है: 6 से 20 अक्षर और अंक।",
    "Enter the surname exactly as printed in the passport, in Latin letters.":
        "उपनाम ठीक वैसे ही लिखें जैसा पासपोर्ट में छपा है, लैटिन (अंग्रेज़ी) अक्षरों में।",
    "Given names, as in the passport": "दिया गया नाम, जैसा पासपोर्ट में है",
    "Name as in the passport": "पासपोर्ट के अनुसार नाम",
    "No QR code could be read from this image. Send a sharp PNG or JPEG photo of the whole QR code, or paste the text of the QR code instead.":
        "इस तस्वीर से कोई QR कोड नहीं पढ़ा जा सका। पूरे QR कोड की साफ़ PNG या JPEG तस्वीर भेजें, या इसके बजाय QR कोड का टेक्स्ट चिपकाएँ।",
    "Or a photo of the QR code, its SVG, or the certificate's PDF":
        "या QR कोड की तस्वीर, उसकी SVG फ़ाइल, या प्रमाणपत्र की PDF",
    "Passport number": "पासपोर्ट नंबर",
    "Surname, as in the passport": "उपनाम, जैसा पासपोर्ट में है",
    "The QR code does not hold a health certificate in a format we know. Check that you scanned the certificate's QR code.":
        "इस QR कोड में ऐसा स्वास्थ्य प्रमाणपत्र नहीं है जिसका प्रारूप हम जानते हों। जाँचें कि आपने प्रमाणपत्र का ही QR कोड स्कैन किया है।",
    "The QR code's content is damaged or incomplete. Scan the whole QR code again, or paste all of its text.":
        "QR कोड की जानकारी खराब या अधूरी है। पूरा QR कोड फिर से स्कैन करें, या उसका पूरा टेक्स्ट चिपकाएँ।",
    "The certificate's signature does not match its content: it has been altered or forged.":
        "प्रमाणपत्र का हस्ताक्षर उसकी जानकारी से मेल नहीं खाता: इसे बदला गया है या यह नकली है।",
    "The certificate's validity has ended. Ask the holder for a current certificate.":
        "प्रमाणपत्र की वैधता खत्म हो गई है। धारक से मौजूदा प्रमाणपत्र माँगें।",
    "The document signer certificate is not valid today (valid from %(start)s to %(end)s). An administrator must install a valid one: cowin-kit keys rotate --kind hcert, keys csr, keys import-certificate.":
        "दस्तावेज़ हस्ताक्षरकर्ता प्रमाणपत्र आज मान्य नहीं है (%(start)s से %(end)s तक मान्य)। किसी व्यवस्थापक को एक मान्य प्रमाणपत्र स्थापित करना होगा: cowin-kit keys rotate --kind hcert, keys csr, keys import-certificate।",
    "The issuer has revoked this certificate. Ask the holder for the current one.":
        "जारी करने वाले ने यह प्रमाणपत्र रद्द कर दिया है। धारक से मौजूदा प्रमाणपत्र माँगें।",
    "The issuer's key is not allowed to sign this kind of certificate (vaccination, test or recovery).":
        "जारीकर्ता की कुंजी को इस तरह के प्रमाणपत्र (टीकाकरण, जाँच या ठीक होने का) पर हस्ताक्षर करने की अनुमति नहीं है।",
    "The new key may sign from %(when)s: verifiers and every server need time to fetch it first. Activate it then, or add --before-delay if the current key is compromised.":
        "नई कुंजी %(when)s से हस्ताक्षर कर सकती है: सत्यापनकर्ताओं और हर सर्वर को पहले इसे पाने का समय चाहिए। तब इसे चालू करें, या अगर मौजूदा कुंजी की सुरक्षा भंग हुई है तो --before-delay जोड़ें।",
    "This certificate cannot be installed: %(why)s":
        "यह प्रमाणपत्र स्थापित नहीं किया जा सकता: %(why)s",
    "This certificate is too large for a SMART Health Card QR code. Download another format or the PDF instead.":
        "यह प्रमाणपत्र SMART Health Card QR कोड के लिए बहुत बड़ा है। इसके बजाय कोई दूसरा प्रारूप या PDF डाउनलोड करें।",
    "This certificate says it was issued in the future, or before its issuer's key was valid. Check the device's clock; otherwise do not accept it.":
        "यह प्रमाणपत्र कहता है कि इसे भविष्य में, या जारीकर्ता की कुंजी के मान्य होने से पहले जारी किया गया था। डिवाइस की घड़ी जाँचें; नहीं तो इसे स्वीकार न करें।",
    "This certificate was signed with a key we do not know: it may be forged, or come from an issuer we do not trust yet.":
        "इस प्रमाणपत्र पर ऐसी कुंजी से हस्ताक्षर किए गए हैं जिसे हम नहीं जानते: यह नकली हो सकता है, या किसी ऐसे जारीकर्ता का हो सकता है जिस पर हम अभी भरोसा नहीं करते।",
    "This image is too large to read (more than %(megapixels)s megapixels). Send a smaller photo, or crop it to the QR code, and try again.":
        "यह तस्वीर पढ़ने के लिए बहुत बड़ी है (%(megapixels)s मेगापिक्सेल से ज़्यादा)। छोटी तस्वीर भेजें, या उसे काटकर सिर्फ़ QR कोड रखें, और फिर से कोशिश करें।",
    "Travelling abroad?": "विदेश जा रहे हैं?",
    "Your passport details are on your new certificate.":
        "आपके पासपोर्ट की जानकारी आपके नए प्रमाणपत्र पर है।",
    "it has expired": "इसकी अवधि खत्म हो चुकी है",
    "it is not for any document-signer key of this instance (make the request with cowin-kit keys csr)":
        "यह इस इंस्टेंस की किसी भी दस्तावेज़-हस्ताक्षरकर्ता कुंजी के लिए नहीं है (अनुरोध cowin-kit keys csr से बनाएँ)",
    "it is not for this key (make the request with cowin-kit keys csr)":
        "यह इस कुंजी के लिए नहीं है (अनुरोध cowin-kit keys csr से बनाएँ)",
    "the chain does not end with the self-signed CSCA certificate":
        "श्रृंखला स्व-हस्ताक्षरित CSCA प्रमाणपत्र पर खत्म नहीं होती",
    "the chain does not verify (%(subject)s is not signed by the next certificate)":
        "श्रृंखला सत्यापित नहीं होती (%(subject)s पर अगले प्रमाणपत्र के हस्ताक्षर नहीं हैं)",
    "the chain up to the CSCA is missing (--chain)": "CSCA तक की श्रृंखला नहीं दी गई (--chain)",
}
