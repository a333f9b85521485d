"""选择文件 without ipywidgets' "(0)" counter: a button labelled as the page says (批量导入 …) that
opens the file chooser and sends the chosen file's bytes to Python as a binary buffer.

`value` has FileUpload's shape, a tuple of {"name", "size", "content"} dicts (empty until a file
arrives), so `observe(..., names="value")` and code written for FileUpload keep working; setting
`value = ()` clears it. Tests call `receive(name, data)` as the browser would.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

_ESM = r"""
export default {
  render({ model, el }) {
    el.classList.add("sbf-upload");
    const input = document.createElement("input");
    input.type = "file";
    input.style.display = "none";
    const button = document.createElement("button");
    button.className = "jupyter-button widget-button sbf-upload-button";
    const sync = () => {
      button.textContent = model.get("description");
      button.disabled = model.get("disabled");
      input.accept = model.get("accept") || "";
    };
    button.addEventListener("click", () => { if (!model.get("disabled")) input.click(); });
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      input.value = "";
      if (!file) return;
      const data = await file.arrayBuffer();
      model.send({ type: "sbf-upload", name: file.name, size: file.size }, undefined, [data]);
    });
    model.on("change:description", sync);
    model.on("change:disabled", sync);
    model.on("change:accept", sync);
    sync();
    el.append(button, input);
  },
};
"""


class Upload(anywidget.AnyWidget):
    """A file button: `Upload("批量编辑职工分组导入", accept=".xlsx")`."""

    _esm = _ESM
    description = traitlets.Unicode("选择文件").tag(sync=True)
    accept = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    value = traitlets.Tuple()  # not synced: files arrive as binary messages

    def __init__(self, description: str = "选择文件", *, accept: str = "", **kwargs: Any) -> None:
        super().__init__(description=description, accept=accept, **kwargs)
        self.on_msg(self._on_message)

    def _on_message(self, _widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        if isinstance(content, dict) and content.get("type") == "sbf-upload" and buffers:
            self.receive(str(content.get("name") or ""), bytes(buffers[0]))

    def receive(self, name: str, data: bytes) -> None:
        """A file arrived (from the browser, or from a test)."""
        self.value = ({"name": name, "size": len(data), "content": memoryview(data)},)

    @property
    def data(self) -> bytes | None:
        """The bytes of the chosen file, or None."""
        return bytes(self.value[0]["content"]) if self.value else None

    @property
    def filename(self) -> str:
        return str(self.value[0]["name"]) if self.value else ""
