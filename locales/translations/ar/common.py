# Arabic (ar): shared texts — layout, errors, identity checks, eligibility, CoWIN API errors.
# Modern Standard Arabic as the Iraqi Ministry of Health writes it: لقاح، جرعة، مركز تلقيح، شهادة.
T = {
    "%(otp)s is your OTP to sign in to the vaccination portal. It is valid for 3 minutes. Do not share it.":
        "%(otp)s هو رمز التحقق لتسجيل الدخول إلى بوابة التلقيح. صالح لمدة 3 دقائق. لا تشاركه مع أحد.",
    "%(vaccine)s cannot be given as dose %(number)s; allowed: %(allowed)s.":
        "لا يمكن إعطاء %(vaccine)s بوصفه الجرعة %(number)s؛ المسموح: %(allowed)s.",
    "A part of the number is not valid (for example the date or the region it encodes).":
        "جزء من الرقم غير صحيح (مثل التاريخ أو المنطقة المرمّزة فيه).",
    "Action": "الإجراء",
    "Action (starts with)": "الإجراء (يبدأ بـ)",
    "Actor": "المنفِّذ",
    "Actor (staff username or id)": "المنفِّذ (اسم مستخدم الموظف أو رقمه)",
    "An unexpected error happened on our side. Please try again in a moment.":
        "حدث خطأ غير متوقع لدينا. يُرجى المحاولة مرة أخرى بعد قليل.",
    "Bad request": "طلب غير صحيح",
    "Conflict": "تعارض",
    "Dose %(number)s is due from %(date)s.": "موعد الجرعة %(number)s ابتداءً من %(date)s.",
    "Export CSV": "تنزيل ملف CSV",
    "Get vaccinated. Get your certificate.": "خذ اللقاح. احصل على شهادتك.",
    "Go to the home page": "الذهاب إلى الصفحة الرئيسية",
    "Home": "الرئيسية",
    "Input parameter missing": "معلومة مطلوبة غير موجودة",
    "Invalid Pincode": "الرمز البريدي غير صحيح",
    "Invalid date: %(value)s (expected dd-mm-yyyy)": "تاريخ غير صحيح: %(value)s (الصيغة المطلوبة dd-mm-yyyy)",
    "Invalid district_id": "قيمة district_id غير صحيحة",
    "Invalid information": "معلومات غير صحيحة",
    "Invalid value for %(name)s": "قيمة غير صحيحة لـ %(name)s",
    "Language": "اللغة",
    "Main": "القائمة الرئيسية",
    "Method not allowed": "الطريقة غير مسموح بها",
    "National Vaccination Portal": "البوابة الوطنية للتلقيح",
    "Newer": "الأحدث",
    "No vaccine in this country's schedule is approved for this person.":
        "لا يوجد لقاح في جدول هذا البلد معتمد لهذا الشخص.",
    "Not allowed": "غير مسموح",
    "Not old enough for vaccination.": "العمر أقل من المطلوب للتلقيح.",
    "Not yet old enough for vaccination; eligible from %(date)s.":
        "العمر أقل من المطلوب للتلقيح حاليًا؛ يحق له التلقيح ابتداءً من %(date)s.",
    "Nothing found.": "لم يُعثر على شيء.",
    "Object": "العنصر",
    "Object id": "رقم العنصر",
    "Object type": "نوع العنصر",
    "Older": "الأقدم",
    "Outcome": "النتيجة",
    "Page not found": "الصفحة غير موجودة",
    "Please enter a valid mobile number of this country (for example %(example)s).":
        "يُرجى إدخال رقم هاتف محمول صحيح من هذا البلد (مثل %(example)s).",
    "Please enter a valid mobile number.": "يُرجى إدخال رقم هاتف محمول صحيح.",
    "Please enter the document number.": "يُرجى إدخال رقم الوثيقة.",
    "Please sign in": "يُرجى تسجيل الدخول",
    "Please sign in to continue.": "يُرجى تسجيل الدخول للمتابعة.",
    "Powered by cowin-kit, an open-source digital public good.":
        "يعمل بنظام cowin-kit، وهو منفعة عامة رقمية مفتوحة المصدر.",
    "Register with your mobile number, find a vaccination centre near you and book a dose for you and your family.":
        "سجّل برقم هاتفك المحمول، وابحث عن مركز تلقيح قريب منك، واحجز جرعة لك ولعائلتك.",
    "Service unavailable": "الخدمة غير متاحة",
    "Skip to main content": "الانتقال إلى المحتوى الرئيسي",
    "Some of the information given is not valid.": "بعض المعلومات المُدخلة غير صحيحة.",
    "Something went wrong": "حدث خطأ ما",
    "The areas file has problems; nothing was imported.": "في ملف المناطق مشكلات؛ لم يُستورد أي شيء.",
    "The birth date this number encodes is impossible.": "تاريخ الميلاد المرمّز في هذا الرقم غير ممكن.",
    "The captcha was not solved correctly. Please try again.": "لم تُحَلّ الكابتشا بشكل صحيح. يُرجى المحاولة مرة أخرى.",
    "The check digit is wrong: please check the number for a typing error.":
        "رقم التحقق خاطئ: يُرجى مراجعة الرقم بحثًا عن خطأ في الكتابة.",
    "The number has the wrong length.": "طول الرقم غير صحيح.",
    "The number is not in the expected format (for example %(example)s).":
        "الرقم ليس بالصيغة المطلوبة (مثل %(example)s).",
    "The number is not in the expected format.": "الرقم ليس بالصيغة المطلوبة.",
    "The page you are looking for does not exist or has moved.": "الصفحة التي تبحث عنها غير موجودة أو نُقلت.",
    "The request could not be processed.": "تعذّر تنفيذ الطلب.",
    "The service is temporarily unavailable. Please try again in a moment.":
        "الخدمة غير متاحة مؤقتًا. يُرجى المحاولة مرة أخرى بعد قليل.",
    "The vaccination schedule is complete.": "اكتمل جدول التلقيح.",
    "The vaccine %(vaccine)s recorded for dose 1 is not in this country's schedules.":
        "اللقاح %(vaccine)s المسجّل للجرعة الأولى ليس ضمن جداول هذا البلد.",
    "This conflicts with the current state; please refresh and try again.":
        "هذا يتعارض مع الحالة الحالية؛ يُرجى تحديث الصفحة والمحاولة مرة أخرى.",
    "This country's profile has no '%(item)s'.": "ملف تعريف هذا البلد لا يتضمن '%(item)s'.",
    "This identity document number is not valid.": "رقم وثيقة الهوية هذا غير صحيح.",
    "This is not a mobile number; please enter a number that can receive SMS.":
        "هذا ليس رقم هاتف محمول؛ يُرجى إدخال رقم يستقبل الرسائل القصيرة.",
    "This number belongs to someone born in %(year)s, not in the birth year given.":
        "هذا الرقم لشخص مولود في %(year)s، وليس في سنة الميلاد المُدخلة.",
    "This number belongs to someone born on %(date)s, not on the birth date given.":
        "هذا الرقم لشخص مولود في %(date)s، وليس في تاريخ الميلاد المُدخل.",
    "This number does not match the gender given.": "هذا الرقم لا يطابق الجنس المُدخل.",
    "This person is not eligible for this dose.": "هذا الشخص غير مؤهل لهذه الجرعة.",
    "To": "إلى",
    "Too many requests": "طلبات كثيرة جدًا",
    "Too many requests. Please wait a little and try again.": "طلبات كثيرة جدًا. يُرجى الانتظار قليلًا ثم المحاولة مرة أخرى.",
    "Unauthenticated access!": "دخول دون تحقق من الهوية!",
    "Unknown beneficiary reference id": "رقم مرجع المستفيد غير معروف",
    "Upload too large": "الملف المرفوع كبير جدًا",
    "Vaccination": "التلقيح",
    "Vaccination is not yet open to this person; eligible from %(date)s.":
        "التلقيح غير متاح لهذا الشخص بعد؛ يحق له التلقيح ابتداءً من %(date)s.",
    "We could not find what you asked for.": "لم نعثر على ما طلبته.",
    "What you can do": "ما يمكنك فعله",
    "When": "متى",
    "You are not allowed to do this.": "غير مسموح لك بهذا الإجراء.",
    "Adverse event": "حدث ضائر",
    "After": "بعد",
    "Before": "قبل",
    "Count": "العدد",
    "File": "الملف",
    "Format": "الصيغة",
    "Invalid center_id: no centre has this id; look centres up with findByPin, findByDistrict or findByLatLong":
        "قيمة center_id غير صحيحة: لا يوجد مركز بهذا المعرّف؛ ابحث عن المراكز باستخدام findByPin أو findByDistrict أو findByLatLong",
    "Invalid value for %(name)s: %(reason)s": "قيمة غير صحيحة لـ %(name)s: %(reason)s",
    "Kind": "النوع",
    "Lot": "الدفعة",
    "Menu": "القائمة",
    "Ministry links": "روابط الوزارة",
    "Must be a date between %(low)s and %(high)s.": "يجب أن يكون تاريخًا بين %(low)s و%(high)s.",
    "Must be a whole number between %(low)s and %(high)s.":
        "يجب أن يكون عددًا صحيحًا بين %(low)s و%(high)s.",
    "NUL characters are not accepted (found in %(where)s). Please remove them and try again.":
        "لا تُقبل محارف NUL (وُجدت في %(where)s). يُرجى حذفها والمحاولة مرة أخرى.",
    "People": "الأشخاص",
    "Results": "النتائج",
    "Rows": "الصفوف",
    "Signed in as %(name)s (%(username)s)": "تم تسجيل الدخول باسم %(name)s (%(username)s)",
    "Text must be valid Unicode: a lone surrogate was found in %(where)s. Please send the text again as UTF-8.":
        "يجب أن يكون النص يونيكود صالحًا: وُجد محرف بديل منفرد في %(where)s. يُرجى إرسال النص مجددًا بترميز UTF-8.",
    "The JSON body is nested too deeply (at most %(depth)s levels). Please send a flatter document.":
        "نص JSON متداخل بعمق كبير (%(depth)s مستوى على الأكثر). يُرجى إرسال مستند أقل تداخلًا.",
    "The request body is not valid JSON. Please check its syntax and encoding (UTF-8).":
        "نص الطلب ليس JSON صالحًا. يُرجى التحقق من صياغته وترميزه (UTF-8).",
    "The request could not be read. Please check what was sent and try again.":
        "تعذّرت قراءة الطلب. يُرجى التحقق مما أُرسل والمحاولة مرة أخرى.",
    "There is nothing at this address.": "لا يوجد شيء على هذا العنوان.",
    "Via": "عبر",
    "What was sent is too large. Please send a smaller file or less data.":
        "ما أُرسل كبير جدًا. يُرجى إرسال ملف أصغر أو بيانات أقل.",
    "a header": "إحدى الترويسات",
    "the JSON body": "نص JSON",
    "the address": "عنوان الصفحة",
    "the form": "النموذج",
    "the query": "الاستعلام",
}
