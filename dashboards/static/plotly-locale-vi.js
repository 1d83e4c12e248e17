/* Plotly's Vietnamese locale: month and day names and number format (from plotly.js's
   lib/locales/vi.js, which ships no dictionary), plus the few toolbar and notice texts a
   supervisor meets, translated here. Registered before any chart is drawn. */
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  window.Plotly.register({
    moduleType: "locale",
    name: "vi",
    dictionary: {
      "Download plot as a PNG": "Tải biểu đồ (ảnh PNG)",
      "Download plot": "Tải biểu đồ",
      "Taking snapshot - this may take a few seconds": "Đang chụp biểu đồ, xin chờ vài giây",
      "Snapshot succeeded": "Đã tải ảnh biểu đồ",
      "Sorry, there was a problem downloading your snapshot!": "Không tải được ảnh biểu đồ.",
      "Double-click to zoom back out": "Nhấp đúp để thu nhỏ lại",
      "Double-click on legend to isolate one trace": "Nhấp đúp vào chú giải để chỉ xem một đường",
      "Click to enter Colorscale title": "Nhấp để nhập tiêu đề thang màu",
      "Produced with Plotly.js": "Tạo bằng Plotly.js",
      "Reset axes": "Đặt lại trục",
      "Autoscale": "Tự co giãn",
      "trace": "đường"
    },
    format: {
      days: ["Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"],
      shortDays: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
      months: ["Tháng Một", "Tháng Hai", "Tháng Ba", "Tháng Tư", "Tháng Năm", "Tháng Sáu", "Tháng Bảy",
               "Tháng Tám", "Tháng Chín", "Tháng Mười", "Tháng Mười Một", "Tháng Mười Hai"],
      shortMonths: ["Tháng 1", "Tháng 2", "Tháng 3", "Tháng 4", "Tháng 5", "Tháng 6", "Tháng 7", "Tháng 8",
                    "Tháng 9", "Tháng 10", "Tháng 11", "Tháng 12"],
      date: "%d/%m/%Y",
      decimal: ",",
      thousands: "."
    }
  });
})();
