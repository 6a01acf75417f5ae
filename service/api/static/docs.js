// The reference, from the OpenAPI document the page carries (no fetch needs a token).
window.addEventListener("DOMContentLoaded", function () {
  var spec = JSON.parse(document.getElementById("openapi").textContent);
  window.reference = SwaggerUIBundle({
    spec: spec,
    dom_id: "#reference",
    deepLinking: true,
    displayOperationId: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
});
