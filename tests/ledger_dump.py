#!/usr/bin/env python3
"""Reads an exported ledger back with an independent reader and prints it as
one JSON object, for the tests to assert on.

  ledger_dump.py xlsx FILE   openpyxl: the title and merged cells, the frozen
                             panes, the autofilter, the print setup, the
                             header row, every row's values and fill colours
  ledger_dump.py csv FILE    Python's csv module: whether the file starts with
                             the UTF-8 byte-order mark, whether every record
                             ends in CRLF, and the records
"""
import csv
import datetime
import io
import json
import sys


def value_text(v):
    if v is None:
        return ""
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v == int(v):
            return str(int(v))
        return "%.6g" % v
    return str(v)


def fill_rgb(cell):
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return ""
    rgb = fill.fgColor.rgb if fill.fgColor is not None else None
    if not isinstance(rgb, str):
        return ""
    return rgb[-6:].upper()


def dump_xlsx(path):
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(min_row=3))
    setup = ws.page_setup
    out = {
        "sheet": ws.title,
        "title": value_text(ws["A1"].value),
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "freeze": ws.freeze_panes or "",
        "autofilter": ws.auto_filter.ref or "",
        "orientation": setup.orientation or "",
        "paper": str(setup.paperSize or ""),
        "fit_to_page": bool(ws.sheet_properties.pageSetUpPr is not None
                            and ws.sheet_properties.pageSetUpPr.fitToPage),
        "fit_width": int(setup.fitToWidth if setup.fitToWidth is not None else 1),
        "fit_height": int(setup.fitToHeight if setup.fitToHeight is not None else 1),
        "print_title_rows": ws.print_title_rows or "",
        "headers": [value_text(c.value) for c in ws[2]],
        "widths": [ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width or 0
                   for i in range(ws.max_column)],
        "rows": [[value_text(c.value) for c in r] for r in rows],
        "fills": [[fill_rgb(c) for c in r] for r in rows],
    }
    print(json.dumps(out, ensure_ascii=False))


def dump_csv(path):
    raw = open(path, "rb").read()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines_crlf = all(line.endswith("\r\n") for line in io.StringIO(text, newline="").readlines())
    records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    print(json.dumps({"bom": bom, "crlf": lines_crlf, "records": records}, ensure_ascii=False))


if __name__ == "__main__":
    {"xlsx": dump_xlsx, "csv": dump_csv}[sys.argv[1]](sys.argv[2])
