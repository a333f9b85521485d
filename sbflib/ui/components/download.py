"""One-click file download: Python sends the bytes, the browser saves them under a name.

Binary goes over the widget comm as a buffer (no base64, nothing written to disk, no file route).
The widget echoes the last file name and size into its traits and, visibly, into the page, so an
end-to-end test can assert on state rather than on the browser's download bar.
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = r"""
function save(msg, buffers) {
  if (!msg || msg.type !== "sbf-download") return;
  const parts = (buffers || []).map((b) => (b.buffer ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b));
  const blob = new Blob(parts, { type: msg.mime || "application/octet-stream" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = msg.filename;
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 30000);
}
export default {
  initialize({ model }) {
    model.on("msg:custom", save);
    return () => model.off("msg:custom", save);
  },
  render({ model, el }) {
    el.classList.add("sbf-download");
    const show = () => {
      const name = model.get("last_filename");
      el.textContent = name ? `已导出：${name}` : "";
      el.dataset.filename = name || "";
      el.dataset.size = String(model.get("last_size") || 0);
    };
    model.on("change:last_filename", show);
    model.on("change:last_size", show);
    show();
  },
};
"""

MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
}


class Download(anywidget.AnyWidget):
    """Hand `save(data, filename)` the bytes; the browser downloads them."""

    _esm = _ESM
    last_filename = traitlets.Unicode("").tag(sync=True)
    last_size = traitlets.Int(0).tag(sync=True)

    def save(self, data: bytes, filename: str) -> None:
        suffix = filename[filename.rfind("."):].lower() if "." in filename else ""
        self.send({"type": "sbf-download", "filename": filename, "mime": MIME.get(suffix, "")},
                  buffers=[bytes(data)])
        self.last_size = len(data)
        self.last_filename = filename
