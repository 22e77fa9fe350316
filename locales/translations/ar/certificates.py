# Arabic (ar): certificates (PDF labels, citizen page), verification, correction requests.
T = {
    "%(n)s of %(total)s": "%(n)s من %(total)s",
    "A correction of this field is already waiting for a decision.": "يوجد طلب تصحيح لهذا الحقل بانتظار القرار.",
    "Approve": "موافقة",
    "Approved. New certificate %(id)s issued; the old one is revoked.": "تمت الموافقة. صدرت شهادة جديدة %(id)s وأُلغيت الشهادة القديمة.",
    "Ask for a correction": "طلب تصحيح",
    "Asked for": "المطلوب",
    "Beneficiary name": "اسم المستفيد",
    "Booster certificate (dose %(n)s)": "شهادة الجرعة المعززة (الجرعة %(n)s)",
    "Certificate": "الشهادة",
    "Certificate ID": "رقم الشهادة",
    "Certificate corrections": "تصحيحات الشهادات",
    "Certificate for COVID-19 Vaccination (booster dose)": "شهادة التلقيح ضد كوفيد-19 (الجرعة المعززة)",
    "Certificate signing keys are not set up on this server yet.": "لم تُعَدّ مفاتيح توقيع الشهادات على هذا الخادم بعد.",
    "Choose name, birth year or gender.": "اختر الاسم أو سنة الميلاد أو الجنس.",
    "Choose one of the listed genders.": "اختر أحد الخيارات المذكورة للجنس.",
    "Correct value": "القيمة الصحيحة",
    "Country": "البلد",
    "Date of dose": "تاريخ الجرعة",
    "Date of vaccination": "تاريخ التلقيح",
    "Date or year of birth": "تاريخ الميلاد أو سنته",
    "Decision": "القرار",
    "EU Digital COVID Certificate": "الشهادة الرقمية الأوروبية لكوفيد",
    "Enter a birth year such as 1980.": "أدخل سنة الميلاد، مثل 1980.",
    "Enter the name as on the identity document.": "أدخل الاسم كما في وثيقة الهوية.",
    "Field": "الحقل",
    "Final Certificate for COVID-19 Vaccination": "الشهادة النهائية للتلقيح ضد كوفيد-19",
    "Final certificate (dose %(n)s)": "الشهادة النهائية (الجرعة %(n)s)",
    "Gender": "الجنس",
    "ID": "الرقم",
    "Issued by": "الجهة المُصدِرة",
    "National certificate (W3C)": "الشهادة الوطنية (W3C)",
    "No QR code could be read from this image.": "تعذّرت قراءة رمز QR من هذه الصورة.",
    "No requests are waiting.": "لا توجد طلبات بالانتظار.",
    "Note": "ملاحظة",
    "Now": "الحالي",
    "Paste the text of the QR code or choose a photo of it.": "الصق نص رمز QR أو اختر صورة له.",
    "Provisional Certificate for COVID-19 Vaccination": "الشهادة المؤقتة للتلقيح ضد كوفيد-19",
    "Provisional certificate (dose %(n)s)": "الشهادة المؤقتة (الجرعة %(n)s)",
    "QR code": "رمز QR",
    "Reject": "رفض",
    "Rejected.": "تم الرفض.",
    "Requested": "تاريخ الطلب",
    "SMART Health Card": "بطاقة SMART الصحية",
    "Something wrong on the certificate?": "هل في الشهادة خطأ؟",
    "Text of the QR code": "نص رمز QR",
    "There is no certificate for this person yet.": "لا توجد شهادة لهذا الشخص بعد.",
    "This certificate could not be verified. It may be forged, damaged or from an issuer we do not know.":
        "تعذّر التحقق من هذه الشهادة. قد تكون مزوّرة أو تالفة أو من جهة إصدار لا نعرفها.",
    "This certificate has been revoked by its issuer.": "ألغت الجهة المُصدِرة هذه الشهادة.",
    "This certificate is genuine and valid.": "هذه الشهادة أصلية وسارية.",
    "This certificate is genuine but no longer valid.": "هذه الشهادة أصلية لكنها لم تعد سارية.",
    "This is already what the certificate says.": "هذا ما تذكره الشهادة فعلًا.",
    "This request has already been decided.": "صدر قرار في هذا الطلب من قبل.",
    "Vaccinated at": "مكان التلقيح",
    "Vaccinated by": "الملقِّح",
    "Vaccination certificate": "شهادة التلقيح",
    "Vaccine name": "اسم اللقاح",
    "Valid until": "سارية حتى",
    "Verify": "تحقق",
    "Verify a certificate": "التحقق من شهادة",
    "Verify a vaccination certificate": "التحقق من شهادة تلقيح",
    "WHO DDCC:VS": "WHO DDCC:VS",
    "What should be corrected": "ما الذي يجب تصحيحه",
    "Your correction requests": "طلبات التصحيح الخاصة بك",
    "Your request was sent. An official will review it.": "أُرسل طلبك. سيراجعه أحد المسؤولين.",
    "approved": "تمت الموافقة",
    "rejected": "مرفوض",
    "waiting for a decision": "بانتظار القرار",
    "Add to my certificate": "أضف إلى شهادتي",
    "Add your passport: its number and your name exactly as printed in it. Your certificate is issued again with them.":
        "أضف جواز سفرك: رقمه واسمك كما هو مطبوع فيه تمامًا. ستصدر شهادتك من جديد بهما.",
    "Certificates cannot be signed at the moment. Please try again in a few minutes.":
        "يتعذّر توقيع الشهادات في الوقت الحالي. يُرجى المحاولة مرة أخرى بعد بضع دقائق.",
    "Enter the given names exactly as printed in the passport, in Latin letters.":
        "أدخل الاسم الأول كما هو مطبوع في جواز السفر تمامًا، بالحروف اللاتينية.",
    "Enter the passport number as printed: 6 to 20 letters and digits.":
        "أدخل رقم جواز السفر كما هو مطبوع: من 6 إلى 20 حرفًا ورقمًا.",
    "Enter the surname exactly as printed in the passport, in Latin letters.":
        "أدخل اسم العائلة كما هو مطبوع في جواز السفر تمامًا، بالحروف اللاتينية.",
    "Given names, as in the passport": "الاسم الأول كما في جواز السفر",
    "Name as in the passport": "الاسم كما في جواز السفر",
    "No QR code could be read from this image. Send a sharp PNG or JPEG photo of the whole QR code, or paste the text of the QR code instead.":
        "تعذّرت قراءة أي رمز QR من هذه الصورة. أرسل صورة PNG أو JPEG واضحة لرمز QR كاملًا، أو الصق نص رمز QR بدلًا من ذلك.",
    "Or a photo of the QR code, its SVG, or the certificate's PDF":
        "أو صورة لرمز QR، أو ملف SVG الخاص به، أو ملف PDF للشهادة",
    "Passport number": "رقم جواز السفر",
    "Surname, as in the passport": "اسم العائلة كما في جواز السفر",
    "The QR code does not hold a health certificate in a format we know. Check that you scanned the certificate's QR code.":
        "لا يحتوي رمز QR على شهادة صحية بصيغة نعرفها. تأكد من أنك مسحت رمز QR الخاص بالشهادة.",
    "The QR code's content is damaged or incomplete. Scan the whole QR code again, or paste all of its text.":
        "محتوى رمز QR تالف أو ناقص. امسح رمز QR كاملًا مرة أخرى، أو الصق نصه كاملًا.",
    "The certificate's signature does not match its content: it has been altered or forged.":
        "توقيع الشهادة لا يطابق محتواها: لقد عُدّلت أو زُوّرت.",
    "The certificate's validity has ended. Ask the holder for a current certificate.":
        "انتهت صلاحية الشهادة. اطلب من حاملها شهادة سارية.",
    "The document signer certificate is not valid today (valid from %(start)s to %(end)s). An administrator must install a valid one: cowin-kit keys rotate --kind hcert, keys csr, keys import-certificate.":
        "شهادة موقّع المستندات غير صالحة اليوم (صالحة من %(start)s إلى %(end)s). يجب على المسؤول تثبيت شهادة صالحة: cowin-kit keys rotate --kind hcert، ثم keys csr، ثم keys import-certificate.",
    "The issuer has revoked this certificate. Ask the holder for the current one.":
        "ألغت جهة الإصدار هذه الشهادة. اطلب من حاملها الشهادة الحالية.",
    "The issuer's key is not allowed to sign this kind of certificate (vaccination, test or recovery).":
        "مفتاح جهة الإصدار غير مسموح له بتوقيع هذا النوع من الشهادات (تلقيح أو فحص أو تعافٍ).",
    "The new key may sign from %(when)s: verifiers and every server need time to fetch it first. Activate it then, or add --before-delay if the current key is compromised.":
        "يمكن للمفتاح الجديد التوقيع ابتداءً من %(when)s: يحتاج المتحققون وكل خادم إلى وقت لجلبه أولًا. فعّله حينها، أو أضف --before-delay إذا كان المفتاح الحالي مخترقًا.",
    "This certificate cannot be installed: %(why)s": "لا يمكن تثبيت هذه الشهادة: %(why)s",
    "This certificate is too large for a SMART Health Card QR code. Download another format or the PDF instead.":
        "هذه الشهادة أكبر من أن تتسع في رمز QR لبطاقة SMART Health Card. نزّل صيغة أخرى أو ملف PDF بدلًا من ذلك.",
    "This certificate says it was issued in the future, or before its issuer's key was valid. Check the device's clock; otherwise do not accept it.":
        "تقول هذه الشهادة إنها صدرت في المستقبل، أو قبل أن يصبح مفتاح جهة الإصدار صالحًا. تحقق من ساعة الجهاز؛ وإلا فلا تقبلها.",
    "This certificate was signed with a key we do not know: it may be forged, or come from an issuer we do not trust yet.":
        "وُقّعت هذه الشهادة بمفتاح لا نعرفه: قد تكون مزوّرة، أو صادرة عن جهة لا نثق بها بعد.",
    "This image is too large to read (more than %(megapixels)s megapixels). Send a smaller photo, or crop it to the QR code, and try again.":
        "هذه الصورة أكبر من أن تُقرأ (أكثر من %(megapixels)s ميغابكسل). أرسل صورة أصغر، أو اقتصّها حول رمز QR، ثم حاول مرة أخرى.",
    "Travelling abroad?": "هل تسافر إلى الخارج؟",
    "Your passport details are on your new certificate.":
        "بيانات جواز سفرك موجودة في شهادتك الجديدة.",
    "it has expired": "انتهت صلاحيتها",
    "it is not for any document-signer key of this instance (make the request with cowin-kit keys csr)":
        "ليست لأي مفتاح من مفاتيح موقّع المستندات في هذا النظام (أنشئ الطلب باستخدام cowin-kit keys csr)",
    "it is not for this key (make the request with cowin-kit keys csr)":
        "ليست لهذا المفتاح (أنشئ الطلب باستخدام cowin-kit keys csr)",
    "the chain does not end with the self-signed CSCA certificate":
        "لا تنتهي السلسلة بشهادة CSCA الموقّعة ذاتيًا",
    "the chain does not verify (%(subject)s is not signed by the next certificate)":
        "لا يمكن التحقق من السلسلة (%(subject)s غير موقّعة من الشهادة التالية)",
    "the chain up to the CSCA is missing (--chain)": "سلسلة الشهادات حتى CSCA مفقودة (--chain)",
}
