// Backend Workbook: applies the reader's saved theme before the page is drawn, so a dark
// page never flashes light first. Loaded without `defer` from <head>; a separate file
// because the Content-Security-Policy allows no inline script.
try {
  var theme = localStorage.getItem("theme");
  if (theme) document.documentElement.dataset.theme = theme;
} catch (e) {}
