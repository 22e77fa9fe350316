# Hindi (hi): registering and removing beneficiaries.
T = {
    "%(name)s is registered. Reference ID: %(ref)s": "%(name)s का पंजीकरण हो गया है। संदर्भ आईडी: %(ref)s",
    "%(name)s was removed.": "%(name)s को हटा दिया गया।",
    "Choose a gender from the list.": "सूची में से लिंग चुनें।",
    "Choose an identity document from the list.": "सूची में से पहचान दस्तावेज़ चुनें।",
    "Date of birth": "जन्म तारीख",
    "Document number": "दस्तावेज़ नंबर",
    "Enter a real birth year (age between 0 and %(max)s).": "सही जन्म वर्ष लिखें (उम्र 0 से %(max)s के बीच)।",
    "Enter the date of birth as a date (YYYY-MM-DD).": "जन्म तारीख तारीख के रूप में लिखें (YYYY-MM-DD)।",
    "Enter the date of birth.": "जन्म तारीख लिखें।",
    "Enter the details exactly as they appear on the identity document.": "जानकारी ठीक वैसे ही लिखें जैसे पहचान दस्तावेज़ पर लिखी है।",
    "Enter the name as on the identity document: 1 to %(max)s letters, spaces, dots, apostrophes or hyphens.":
        "नाम पहचान दस्तावेज़ के अनुसार लिखें: 1 से %(max)s अक्षर, खाली जगह, बिंदु, अपॉस्ट्रॉफ़ी या हाइफ़न।",
    "Enter the year of birth as four digits.": "जन्म वर्ष चार अंकों में लिखें।",
    "Enter the year of birth.": "जन्म वर्ष लिखें।",
    "Has a long-term illness (comorbidity)": "लंबी बीमारी है (सह-रुग्णता)",
    "Identity document": "पहचान दस्तावेज़",
    "No beneficiary with this reference id is registered with your mobile number.":
        "इस संदर्भ आईडी का कोई लाभार्थी आपके मोबाइल नंबर से पंजीकृत नहीं है।",
    "No, go back": "नहीं, वापस जाएँ",
    "People younger than %(age)s years cannot be registered.": "%(age)s वर्ष से कम उम्र के लोगों का पंजीकरण नहीं हो सकता।",
    "Please correct the fields marked below.": "कृपया नीचे चिह्नित जानकारी ठीक करें।",
    "Priority groups (if any apply)": "प्राथमिकता समूह (अगर कोई लागू हो)",
    "Register": "पंजीकरण करें",
    "Remove %(name)s?": "%(name)s को हटाएँ?",
    "Remove a person": "व्यक्ति को हटाएँ",
    "The birth year does not match the birth date.": "जन्म वर्ष जन्म तारीख से मेल नहीं खाता।",
    "Their registration and any booked appointments will be cancelled. This cannot be undone.":
        "उनका पंजीकरण और बुक किए गए सभी अपॉइंटमेंट रद्द हो जाएँगे। इसे वापस नहीं किया जा सकता।",
    "This identity document is already registered. Each person can be registered only once.":
        "यह पहचान दस्तावेज़ पहले से पंजीकृत है। हर व्यक्ति का पंजीकरण केवल एक बार हो सकता है।",
    "This person has a recorded vaccination and cannot be removed.": "इस व्यक्ति का टीकाकरण दर्ज है, इसलिए इसे हटाया नहीं जा सकता।",
    "Unknown priority group: %(group)s.": "अज्ञात प्राथमिकता समूह: %(group)s।",
    "Yes, remove": "हाँ, हटाएँ",
    "You can register at most %(limit)s people with one mobile number.":
        "एक मोबाइल नंबर से ज़्यादा से ज़्यादा %(limit)s लोगों का पंजीकरण कर सकते हैं।",
    "Too many registration attempts. Please try again later.":
        "पंजीकरण की बहुत ज़्यादा कोशिशें हुई हैं। कृपया बाद में फिर से कोशिश करें।",
}
