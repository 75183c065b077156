//! The words of the API's error messages, in Vietnamese and English. Codes are stable and
//! machine-readable; messages are for people and may be reworded.

use domain::Reason;

use crate::error::ErrorCode;
use crate::lang::Lang;

pub fn error_message(code: ErrorCode, lang: Lang) -> &'static str {
    use ErrorCode::*;
    match (code, lang) {
        (InvalidInput, Lang::Vi) => "Dữ liệu không hợp lệ; không có gì được lưu.",
        (InvalidInput, Lang::En) => "The input is not valid; nothing was saved.",
        (InvalidJson, Lang::Vi) => "Nội dung gửi lên không phải JSON hợp lệ.",
        (InvalidJson, Lang::En) => "The request body is not valid JSON for this request.",
        (UnsupportedMediaType, Lang::Vi) => "Nội dung phải gửi dạng application/json.",
        (UnsupportedMediaType, Lang::En) => "The request body must be application/json.",
        (PayloadTooLarge, Lang::Vi) => "Nội dung gửi lên quá lớn.",
        (PayloadTooLarge, Lang::En) => "The request body is too large.",
        (Unauthorized, Lang::Vi) => "Cần đăng nhập (phiên làm việc không có hoặc đã hết hạn).",
        (Unauthorized, Lang::En) => "Sign-in required (no session, or it has expired).",
        (InvalidCredentials, Lang::Vi) => "Tên đăng nhập hoặc mật khẩu không đúng.",
        (InvalidCredentials, Lang::En) => "Wrong username or password.",
        (LoginLocked, Lang::Vi) => {
            "Đăng nhập sai quá nhiều lần; việc đăng nhập tạm dừng trong ít phút, hãy thử lại sau."
        }
        (LoginLocked, Lang::En) => "Too many failed sign-ins; signing in is paused for a few minutes. Try again later.",
        (Forbidden, Lang::Vi) => "Vai trò của bạn không được phép thực hiện thao tác này.",
        (Forbidden, Lang::En) => "Your role is not allowed to do this.",
        (Conflict, Lang::Vi) => "Bản ghi đã tồn tại; không có gì được lưu.",
        (Conflict, Lang::En) => "The record already exists; nothing was saved.",
        (CapacityFull, Lang::Vi) => {
            "Cơ sở đã hết giường loại này; người bệnh chưa được tiếp nhận, không có gì được lưu."
        }
        (CapacityFull, Lang::En) => {
            "No free bed of this type at the facility; the patient was not admitted and nothing was saved."
        }
        (PackageAlreadyGiven, Lang::Vi) => {
            "Hộ gia đình này đã nhận gói hỗ trợ của đợt này; mỗi hộ chỉ nhận một gói mỗi đợt. Không có gì được lưu."
        }
        (PackageAlreadyGiven, Lang::En) => {
            "This household has already received this round's package; one package per household per round. Nothing was saved."
        }
        (StatusStepNotAllowed, Lang::Vi) => {
            "Trạng thái khoản hỗ trợ chỉ được chuyển sang bước kế tiếp (cam kết → đã gửi → đã nhận → đã cảm ơn). Không có gì được lưu."
        }
        (StatusStepNotAllowed, Lang::En) => {
            "A gift's status can only move to the next step (pledged → dispatched → received → acknowledged). Nothing was saved."
        }
        (CaseStatusNotAllowed, Lang::Vi) => {
            "Chỉ ca bệnh đang điều trị mới được đổi trạng thái (khỏi bệnh, tử vong là kết cục cuối; tái nhiễm là ca mới), và không được ghi lùi thời điểm trước lần đổi gần nhất, ngày xét nghiệm hay khởi phát. Không có gì được lưu."
        }
        (CaseStatusNotAllowed, Lang::En) => {
            "Only an active case changes status (recovered and died are final; a reinfection is a new case), and not at a time before its last change, its test or its onset. Nothing was saved."
        }
        (NotFound, Lang::Vi) => "Không tìm thấy.",
        (NotFound, Lang::En) => "Not found.",
        (MethodNotAllowed, Lang::Vi) => "Phương thức HTTP không được hỗ trợ ở địa chỉ này.",
        (MethodNotAllowed, Lang::En) => "This HTTP method is not supported here.",
        (RateLimited, Lang::Vi) => {
            "Tài khoản đã gửi quá số lượng cho phép trong giờ này; không có gì được lưu. Hãy thử lại sau."
        }
        (RateLimited, Lang::En) => {
            "This account has sent more than it may in this hour; nothing was stored. Try again later."
        }
        (CrossSite, Lang::Vi) => {
            "Yêu cầu không đến từ trang của hệ thống (thiếu mã chống giả mạo hoặc sai nguồn); không có gì thay đổi. Hãy tải lại trang và thử lại."
        }
        (CrossSite, Lang::En) => {
            "The request did not come from this system's own page (missing anti-forgery token or another origin); nothing was changed. Reload the page and try again."
        }
        (Unavailable, Lang::Vi) => "Cơ sở dữ liệu tạm thời không phản hồi.",
        (Unavailable, Lang::En) => "The database is not answering.",
        (Internal, Lang::Vi) => "Lỗi hệ thống; thao tác chưa được thực hiện.",
        (Internal, Lang::En) => "Internal error; the operation was not carried out.",
    }
}

pub fn reason_message(reason: Reason, lang: Lang) -> &'static str {
    use Reason::*;
    match (reason, lang) {
        (Required, Lang::Vi) => "Bắt buộc phải nhập.",
        (Required, Lang::En) => "Required.",
        (TooShort, Lang::Vi) => "Quá ngắn.",
        (TooShort, Lang::En) => "Too short.",
        (TooLong, Lang::Vi) => "Quá dài.",
        (TooLong, Lang::En) => "Too long.",
        (InvalidFormat, Lang::Vi) => "Sai định dạng.",
        (InvalidFormat, Lang::En) => "Wrong format.",
        (UnknownValue, Lang::Vi) => "Giá trị không được hỗ trợ.",
        (UnknownValue, Lang::En) => "Not one of the accepted values.",
        (OutOfRange, Lang::Vi) => "Nằm ngoài khoảng cho phép.",
        (OutOfRange, Lang::En) => "Out of the allowed range.",
        (NotFound, Lang::Vi) => "Không tồn tại.",
        (NotFound, Lang::En) => "Does not exist.",
        (OutOfScope, Lang::Vi) => "Nằm ngoài địa bàn bạn phụ trách.",
        (OutOfScope, Lang::En) => "Outside your jurisdiction.",
        (Duplicate, Lang::Vi) => "Đã tồn tại.",
        (Duplicate, Lang::En) => "Already exists.",
        (NoCapacity, Lang::Vi) => "Hết giường trống loại này (số giường đang dùng bằng công suất).",
        (NoCapacity, Lang::En) => "No free bed of this type (all beds are occupied).",
        (Misplaced, Lang::Vi) => {
            "Ranh giới nằm xa tâm chính thức của đơn vị: kiểm tra lại mã đơn vị."
        }
        (Misplaced, Lang::En) => {
            "The boundary lies away from the unit's official centre: check the unit code."
        }
        (InvalidShape, Lang::Vi) => {
            "Hình không hợp lệ: một vòng tự cắt hoặc cắt, chạy dọc vòng khác, một lỗ nằm ngoài đa giác của nó, hoặc các đa giác chồng lên nhau."
        }
        (InvalidShape, Lang::En) => {
            "Not a valid polygon: a ring crosses itself or another ring or runs along one, a hole lies outside its polygon, or polygons overlap."
        }
        (OutsideZone, Lang::Vi) => {
            "Hộ gia đình không thuộc vùng phong tỏa của đợt này (ngoài các đơn vị hoặc địa chỉ của vùng); không trao gói."
        }
        (OutsideZone, Lang::En) => {
            "The household is not in this round's lockdown zone (outside its units or addresses); no package given."
        }
        (Merged, Lang::Vi) => "Bản ghi đã được gộp vào một bản ghi khác; không thể thay đổi.",
        (Merged, Lang::En) => "The record was merged into another; it cannot be changed.",
        (NotAllowed, Lang::Vi) => "Không được phép từ trạng thái hiện tại của bản ghi.",
        (NotAllowed, Lang::En) => "Not allowed from the record's current state.",
        (Ambiguous, Lang::Vi) => "Tên này ứng với nhiều đơn vị: ghi thêm quận/huyện hoặc tỉnh.",
        (Ambiguous, Lang::En) => "The name fits more than one unit: add its district or province.",
    }
}
