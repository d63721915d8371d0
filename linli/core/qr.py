"""QR codes as inline SVG (segno, pure Python): a phone camera opens the link it holds."""

from django.utils.safestring import mark_safe


def svg(data: str, *, scale: int = 5, title: str = "") -> str:
    import segno

    code = segno.make(data, error="m")
    return mark_safe(code.svg_inline(scale=scale, border=2, title=title or None, svgclass="qr", lineclass="qr-line"))
