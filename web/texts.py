"""Words of the web pages that the kiosk does not have, in Vietnamese and English (pure).

The question, levels, reasons, "why", "send" and "thanks" are the kiosk's own
(server.languages, server.scale); these are only what a phone page adds. A deployment's
extra language (the LANGUAGES setting) may give any of these keys in its `texts`;
what it leaves out is Vietnamese.
"""

WEB_TEXTS = {
    "vi": {
        "title": "Đánh giá sự hài lòng",
        "choose": "Chạm vào một khuôn mặt để đánh giá:",
        "comment": "Ý kiến khác (không bắt buộc)",
        "comment_hint": "Tối đa 500 ký tự. Xin đừng ghi số điện thoại hay số giấy tờ.",
        "contact": "Để lại số điện thoại để cơ quan liên hệ lại (không bắt buộc)",
        "contact_consent": "Tôi đồng ý để cơ quan dùng số này chỉ để trả lời ý kiến của tôi; số được xoá {days} "
                           "ngày sau khi ý kiến được giải quyết xong.",
        "contact_hint": "Nếu để lại số, xin đánh dấu đồng ý; số điện thoại Việt Nam, ví dụ 0912 345 678.",
        "thanks_more": "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.",
        "change": "Sửa đánh giá (trong 10 phút)",
        "you_rated": "Ông/Bà đã đánh giá: {level}. Có thể sửa đến {until}.",
        "already": "Ông/Bà đã đánh giá quầy này. Xin cảm ơn!",
        "already_link": "Hồ sơ này đã được đánh giá. Xin cảm ơn!",
        "retired": "Mã này không còn được sử dụng",
        "retired_more": "Mã QR trên tờ giấy này đã được thay. Xin quét mã mới tại quầy, hoặc hỏi cán bộ.",
        "unknown": "Không tìm thấy mã đánh giá",
        "unknown_more": "Xin kiểm tra lại địa chỉ, hoặc quét mã QR tại quầy.",
        "expired": "Đường dẫn đánh giá đã hết hạn",
        "expired_more": "Đường dẫn này chỉ dùng được trong một thời gian. Ông/Bà vẫn có thể đánh giá bằng mã QR "
                        "tại quầy.",
        "invalid": "Đường dẫn đánh giá không hợp lệ",
        "invalid_more": "Đường dẫn có thể bị sao chép thiếu. Xin mở lại từ giấy hẹn hoặc tin nhắn.",
        "too_many": "Có quá nhiều đánh giá từ mạng này",
        "too_many_more": "Xin thử lại sau một phút. Đánh giá của Ông/Bà chưa được gửi.",
        "back": "Quay lại trang đánh giá",
        "resubmit": "Trang đã mở quá lâu. Xin chạm lại vào lựa chọn của Ông/Bà.",
        "language": "Ngôn ngữ",
        "privacy": "Chúng tôi chỉ lưu đánh giá và ý kiến (không lưu địa chỉ IP hay thông tin máy) để cải thiện "
                   "phục vụ; ý kiến được xoá sau {days} ngày (Nghị định 13/2023/NĐ-CP).",
        "poster_instruction": "Quét mã QR bằng điện thoại để đánh giá sự phục vụ tại quầy",
        "poster_or": "hoặc mở",
    },
    "en": {
        "title": "Rate our service",
        "choose": "Tap a face to rate:",
        "comment": "Anything else (optional)",
        "comment_hint": "At most 500 characters. Please do not write phone or document numbers.",
        "contact": "Leave a phone number so the office can get back to you (optional)",
        "contact_consent": "I agree that the office uses this number only to answer my feedback; it is deleted "
                           "{days} days after my feedback has been dealt with.",
        "contact_hint": "If you leave a number, please tick the consent line; a Vietnamese number, e.g. "
                        "0912 345 678.",
        "thanks_more": "Your opinion helps us serve you better.",
        "change": "Change my rating (within 10 minutes)",
        "you_rated": "You rated: {level}. You can change it until {until}.",
        "already": "You have already rated this counter. Thank you!",
        "already_link": "This dossier has already been rated. Thank you!",
        "retired": "This code is no longer in use",
        "retired_more": "The QR code on this poster has been replaced. Please scan the new one at the counter, "
                        "or ask the officer.",
        "unknown": "Rating code not found",
        "unknown_more": "Please check the address, or scan the QR code at the counter.",
        "expired": "This rating link has expired",
        "expired_more": "The link works only for a while. You can still rate with the QR code at the counter.",
        "invalid": "This rating link is not valid",
        "invalid_more": "The link may have been copied incompletely. Please open it again from the receipt or "
                        "the text message.",
        "too_many": "Too many ratings from this network",
        "too_many_more": "Please try again in a minute. Your rating has not been sent.",
        "back": "Back to the rating page",
        "resubmit": "The page was open too long. Please tap your choice again.",
        "language": "Language",
        "privacy": "We keep only your rating and comment (no IP address or device details) to improve our "
                   "service; comments are deleted after {days} days (Decree 13/2023/ND-CP).",
        "poster_instruction": "Scan the QR code with your phone to rate the service at this counter",
        "poster_or": "or open",
    },
}


def page_texts(kiosk_texts, code):
    """The kiosk's texts for a language with the web pages' own added (kiosk texts win)."""
    return {**WEB_TEXTS["vi"], **WEB_TEXTS.get(code, {}), **kiosk_texts}
