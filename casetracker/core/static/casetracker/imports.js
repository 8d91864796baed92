// Upload progress for the import page: the bar follows the upload, then shows the server checking.
// Without JavaScript the form posts as usual.
(function () {
  "use strict";
  var form = document.querySelector("form[data-progress]");
  if (!form || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var box = document.getElementById(form.getAttribute("data-progress"));
  var bar = box.querySelector("progress");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    box.hidden = false;
    bar.value = 0;
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        bar.value = Math.round((progress.loaded / progress.total) * 100);
      }
    });
    request.upload.addEventListener("load", function () {
      bar.removeAttribute("value"); // the server is checking the rows: an indeterminate bar
    });
    request.addEventListener("load", function () {
      if (request.status === 200 && request.responseURL && request.responseURL !== form.action) {
        window.location.assign(request.responseURL);
      } else {
        document.open();
        document.write(request.responseText);
        document.close();
      }
    });
    request.addEventListener("error", function () {
      form.submit();
    });
    request.open("POST", form.action);
    request.send(new FormData(form));
  });
})();
