"""Charts on opsbook's own summary sheets: a drawing part anchoring a chart part whose
series reference the sheet's cells (Excel and LibreOffice compute them on open)."""

from __future__ import annotations

from ..ooxml.package import Package
from ..ooxml.parts import add_relationship, ensure_override
from .xmltext import text

CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"


def chart_xml(
    kind: str, title: str, categories: str, series: list[tuple[str, str]], rel_ns: str
) -> bytes:
    """``categories``: a range like 'S'!$A$2:$A$9; ``series``: (name cell, values range)."""
    sers = []
    for i, (name_ref, values_ref) in enumerate(series):
        marker = (
            '<c:marker><c:symbol val="circle"/><c:size val="5"/></c:marker>'
            if kind == "line"
            else ""
        )
        sers.append(
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx><c:strRef><c:f>{text(name_ref)}</c:f></c:strRef></c:tx>'
            f"{marker}<c:cat><c:strRef><c:f>{text(categories)}</c:f></c:strRef></c:cat>"
            f"<c:val><c:numRef><c:f>{text(values_ref)}</c:f></c:numRef></c:val>"
            + ('<c:smooth val="0"/>' if kind == "line" else "")
            + "</c:ser>"
        )
    if kind == "bar":
        plot = (
            '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            + "".join(sers)
            + '<c:axId val="500"/><c:axId val="600"/></c:barChart>'
        )
    else:
        plot = (
            '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
            + "".join(sers)
            + '<c:marker val="1"/><c:axId val="500"/><c:axId val="600"/></c:lineChart>'
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{rel_ns}"><c:roundedCorners val="0"/><c:chart>'
        f"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{text(title)}</a:t></a:r></a:p></c:rich></c:tx>"
        f'<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>{plot}'
        f'<c:catAx><c:axId val="500"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/><c:tickLblPos val="nextTo"/>'
        f'<c:crossAx val="600"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
        f'<c:lblOffset val="100"/></c:catAx>'
        f'<c:valAx><c:axId val="600"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="l"/><c:majorGridlines/><c:numFmt formatCode="General" sourceLinked="1"/>'
        f'<c:tickLblPos val="nextTo"/><c:crossAx val="500"/><c:crosses val="autoZero"/>'
        f'<c:crossBetween val="between"/></c:valAx></c:plotArea>'
        f'<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/>'
        f'<c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
    ).encode()


def add_charts(
    pkg: Package, sheet_part: str, charts: list[tuple[bytes, tuple[int, int, int, int]]]
) -> str:
    """Attach charts (chart XML, (col, row, col2, row2) anchor, 0-based) to a sheet of ours;
    returns the sheet→drawing relationship id for its <drawing r:id>."""
    drawing = pkg.free_part("xl/drawings/drawing{n}.xml")
    pkg.put(drawing, b"")  # reserve the name while charts are added
    anchors = []
    for i, (xml, (c1, r1, c2, r2)) in enumerate(charts, start=1):
        chart = pkg.free_part("xl/charts/chart{n}.xml")
        pkg.put(chart, xml)
        ensure_override(pkg, chart, CT_CHART)
        rid = add_relationship(pkg, drawing, pkg.rel_type("chart"), chart)
        anchors.append(
            f"<xdr:twoCellAnchor><xdr:from><xdr:col>{c1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r1}</xdr:row>"
            f"<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{c2}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f'<xdr:row>{r2}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:graphicFrame macro="">'
            f'<xdr:nvGraphicFramePr><xdr:cNvPr id="{i + 1}" name="Chart {i}"/><xdr:cNvGraphicFramePr/>'
            f'</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
            f'<a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" xmlns:r="{pkg.rel_ns}" r:id="{rid}"/>'
            f"</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>"
        )
    pkg.put(
        drawing,
        (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}">' + "".join(anchors) + "</xdr:wsDr>"
        ).encode(),
    )
    ensure_override(pkg, drawing, CT_DRAWING)
    return add_relationship(pkg, sheet_part, pkg.rel_type("drawing"), drawing)
