# Arabic (ar): registering and removing beneficiaries.
T = {
    "%(name)s is registered. Reference ID: %(ref)s": "تم تسجيل %(name)s. الرقم المرجعي: %(ref)s",
    "%(name)s was removed.": "تم حذف %(name)s.",
    "Choose a gender from the list.": "اختر الجنس من القائمة.",
    "Choose an identity document from the list.": "اختر وثيقة الهوية من القائمة.",
    "Date of birth": "تاريخ الميلاد",
    "Document number": "رقم الوثيقة",
    "Enter a real birth year (age between 0 and %(max)s).": "أدخل سنة ميلاد حقيقية (العمر بين 0 و%(max)s).",
    "Enter the date of birth as a date (YYYY-MM-DD).": "أدخل تاريخ الميلاد بصيغة تاريخ (YYYY-MM-DD).",
    "Enter the date of birth.": "أدخل تاريخ الميلاد.",
    "Enter the details exactly as they appear on the identity document.": "أدخل المعلومات كما هي مكتوبة في وثيقة الهوية تمامًا.",
    "Enter the name as on the identity document: 1 to %(max)s letters, spaces, dots, apostrophes or hyphens.":
        "أدخل الاسم كما في وثيقة الهوية: من 1 إلى %(max)s حرفًا أو مسافة أو نقطة أو فاصلة علوية أو شرطة.",
    "Enter the year of birth as four digits.": "أدخل سنة الميلاد بأربعة أرقام.",
    "Enter the year of birth.": "أدخل سنة الميلاد.",
    "Has a long-term illness (comorbidity)": "لديه مرض مزمن",
    "Identity document": "وثيقة الهوية",
    "No beneficiary with this reference id is registered with your mobile number.":
        "لا يوجد مستفيد بهذا الرقم المرجعي مسجَّل برقم هاتفك.",
    "No, go back": "لا، رجوع",
    "People younger than %(age)s years cannot be registered.": "لا يمكن تسجيل من يقل عمره عن %(age)s سنة.",
    "Please correct the fields marked below.": "يُرجى تصحيح الحقول المشار إليها أدناه.",
    "Priority groups (if any apply)": "الفئات ذات الأولوية (إن وُجدت)",
    "Register": "تسجيل",
    "Remove %(name)s?": "حذف %(name)s؟",
    "Remove a person": "حذف شخص",
    "The birth year does not match the birth date.": "سنة الميلاد لا تطابق تاريخ الميلاد.",
    "Their registration and any booked appointments will be cancelled. This cannot be undone.":
        "سيُلغى تسجيله وكل مواعيده المحجوزة. لا يمكن التراجع عن ذلك.",
    "This identity document is already registered. Each person can be registered only once.":
        "وثيقة الهوية هذه مسجَّلة من قبل. يُسجَّل كل شخص مرة واحدة فقط.",
    "This person has a recorded vaccination and cannot be removed.": "لهذا الشخص تلقيح مسجَّل، فلا يمكن حذفه.",
    "Unknown priority group: %(group)s.": "فئة أولوية غير معروفة: %(group)s.",
    "Yes, remove": "نعم، احذف",
    "You can register at most %(limit)s people with one mobile number.":
        "يمكنك تسجيل %(limit)s أشخاص كحد أقصى برقم هاتف واحد.",
    "Too many registration attempts. Please try again later.":
        "محاولات تسجيل كثيرة جدًا. يُرجى المحاولة مرة أخرى لاحقًا.",
}
