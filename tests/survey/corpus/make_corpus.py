"""Write the corpus of deliberately broken survey files used by tests/test_corpus.py.

    .venv/bin/python tests/corpus/make_corpus.py [OUTPUT_FOLDER]

Every file is small and built here from literal rows, so what is wrong with it is visible
below; the expected outcome of reading each file (rows kept and excluded, problems by type,
spot checks) is written by hand in ``expected.yaml`` next to this script, not computed by the
reader under test. Most files answer the built-in ``channel_preferences`` instrument (16 items
on a 1-5 like/dislike scale, missing codes -99 and 99); ``loyalty_test.yaml`` is a small
instrument with a reverse-keyed item, an NPS item, yes/no and frequency scales and an
attention check.
"""

from __future__ import annotations

import codecs
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ITEMS = [
    "catalog", "direct_mail", "postcard_offer", "printed_newsletter",
    "email_sale_notice", "email_newsletter", "email_receipt", "email_survey",
    "service_phone_line", "telemarketing_offer", "automated_call", "text_message",
    "instore_personal_service", "sales_rep_visit", "customer_event", "loyalty_program",
]
EN = {1: "Dislike very much", 2: "Dislike", 3: "Neither like nor dislike", 4: "Like", 5: "Like very much"}
ZH = {1: "非常不喜欢", 2: "不喜欢", 3: "既不喜欢也不讨厌", 4: "喜欢", 5: "非常喜欢"}


def answers(seed: int, n: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return rng.integers(1, 6, size=(n, len(ITEMS))).tolist()


def line(cells, sep=",") -> str:
    return sep.join("" if c is None else str(c) for c in cells)


def write_text(path: Path, lines: list[str], encoding="utf-8", bom: bytes = b"", newline="\n", end=True):
    text = newline.join(lines) + (newline if end else "")
    path.write_bytes(bom + text.encode(encoding))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    head = ["respondent_id"] + ITEMS

    # 1. clean: nothing wrong
    rows = answers(1, 12)
    write_text(out / "clean.csv", [line(head)] + [line([i + 1] + r) for i, r in enumerate(rows)])

    # 2. text labels, in several spellings; three answers that are no label
    r = answers(2, 6)
    r[0] = [EN[(j % 5) + 1] for j in range(16)]
    r[1][:6] = ["  like  ", "LIKE VERY MUCH", "dislike", "Neither  like nor dislike", "5 - Like very much", "1=Dislike very much"]
    r[2][:4] = ["3.0", " 4 ", "maybe", "Like a lot"]          # 2 unknown labels
    r[3][:2] = ["３", "５"]                                      # full-width digits: fine
    r[4][0] = "4 - Dislike"                                      # code and label disagree: unknown
    write_text(out / "text_labels.csv", [line(head)] + [line([i + 1] + x) for i, x in enumerate(r)])

    # 3. Chinese labels in GB18030 (no BOM); one 'don't know' label, one unknown answer
    r = answers(3, 5)
    r[0] = [ZH[(j % 5) + 1] for j in range(16)]
    r[1][:3] = ["非常 喜欢", "不知道", "还行"]                   # spaced label ok, missing label, unknown
    write_text(out / "chinese_gb18030.csv", [line(head)] + [line([i + 1] + x) for i, x in enumerate(r)], encoding="gb18030")

    # 4. UTF-8 BOM, semicolons, decimal commas
    r = answers(4, 4)
    r[0][0] = "3,5"      # 3.5: not a scale value
    r[1][0] = "4,0"      # 4: fine
    r[2][1] = "喜欢"      # 4: fine
    write_text(out / "bom_semicolon.csv", [line(head, ";")] + [line([i + 1] + x, ";") for i, x in enumerate(r)],
               bom=codecs.BOM_UTF8, newline="\r\n")

    # 5. declared missing codes: -99, 99, a Unicode minus, label text, and a code given by the caller
    r = answers(5, 5)
    r[0][:3] = [-99, -99, 99]
    r[1][:4] = [99, "Don't know", "no answer", "\u221299"]
    r[2][0] = -99
    r[2][1] = -98                                               # declared with missing_codes=[-98]
    r[3] = [-99] * 16                                           # nothing answered: excluded
    write_text(out / "missing_codes.csv", [line(head)] + [line([i + 1] + x) for i, x in enumerate(r)])

    # 6. out of range and between-the-codes values
    r = answers(6, 4)
    r[0][:4] = [0, 6, -1, 1000]
    r[1][:2] = [3.5, 2.5]
    r[2][0] = "1e1"
    write_text(out / "out_of_range.csv", [line(head)] + [line([i + 1] + x) for i, x in enumerate(r)])

    # 7. duplicates with a respondent id and a timestamp column
    a, b, c, c2, d, e = answers(7, 6)
    c2 = list(c)
    c2[0] = 1 if c[0] != 1 else 2
    h = head + ["submitted"]
    body = [
        [1] + a + ["2024-01-01 10:00"],
        [2] + b + ["2024-01-01 10:05"],
        [1] + a + ["2024-01-01 10:00"],   # row 4: exact copy of row 2
        [3] + c + ["2024-01-01 11:00"],   # rows 5, 6: id 3 with different answers
        [3] + c2 + ["2024-01-01 11:30"],
        [4] + d + ["2024-01-02 09:00"],
        [4] + d + ["2024-01-02 09:10"],   # row 8: same id and answers, resubmitted
        [5] + e + ["2024-01-03 12:00"],
    ]
    write_text(out / "duplicates.csv", [line(h)] + [line(x) for x in body])

    # 8. identical rows without any id: only reported
    a, b, c = answers(8, 3)
    body = [a, b, a, c, [3] * 16, [3] * 16]
    write_text(out / "duplicates_noid.csv", [line(ITEMS)] + [line(x) for x in body])

    # 9. identical rows without id but with another column: copies excluded
    body = [a + ["x"], b + ["y"], a + ["x"], a + ["z"]]
    write_text(out / "duplicates_noid_comment.csv", [line(ITEMS + ["comment"])] + [line(x) for x in body])

    # 10. empty rows, blank lines, whitespace lines, an id without answers
    a, b, c = answers(10, 3)
    lines_ = [
        line(head),
        line([1] + a),          # row 2
        "",                     # row 3: blank line (not a data row)
        line([None] * 17),      # row 4: every cell empty -> excluded
        line([3] + b),          # row 5
        line([4] + [None] * 16),  # row 6: id only -> no item answered
        "   ",                  # row 7: whitespace only (not a data row)
        line([5] + c),          # row 8
        "",
        "",
    ]
    write_text(out / "empty_rows.csv", lines_)

    # 11. ragged rows
    a, b, c, d = answers(11, 4)
    lines_ = [
        line(head),
        line([1] + a),
        line([2] + b + ["surplus"]),   # one cell too many
        line([3] + c[:9]),             # seven cells too few
        line([4] + d) + ",",           # trailing empty cell: tolerated silently
    ]
    write_text(out / "ragged.csv", lines_)

    # 12. column trouble: case/space variants, a missing item, an extra column, a repeated
    #     column, an empty unnamed column at the right edge
    cols = ["Respondent_ID", "CATALOG "] + ITEMS[1:15] + ["age", "direct_mail", ""]
    r = answers(12, 3)
    body = [[i + 1] + x[:15] + [30 + i, x[1], None] for i, x in enumerate(r)]
    write_text(out / "columns.csv", [line(cols)] + [line(x) for x in body])

    # 13. Qualtrics export with choice text
    meta = ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished",
            "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage"]
    qcols = meta + ITEMS + ["Q20_TEXT"]
    qtext = ["Start Date", "End Date", "Response Type", "Progress", "Duration (in seconds)", "Finished",
             "Recorded Date", "Response ID", "Distribution Channel", "User Language"] + [
        f"How much do you like it when a company...\n- {it}" for it in ITEMS] + ["Anything else? - Text"]
    qimport = ['{"ImportId":"startDate","timeZone":"America/Denver"}', '{"ImportId":"endDate","timeZone":"America/Denver"}',
               '{"ImportId":"status"}', '{"ImportId":"progress"}', '{"ImportId":"duration"}', '{"ImportId":"finished"}',
               '{"ImportId":"recordedDate","timeZone":"America/Denver"}', '{"ImportId":"_recordId"}',
               '{"ImportId":"distributionChannel"}', '{"ImportId":"userLanguage"}'] + [
        f'{{"ImportId":"QID1_{j + 1}"}}' for j in range(16)] + ['{"ImportId":"QID20_TEXT"}']

    def q(cells):
        return ",".join('"' + str("" if c is None else c).replace('"', '""') + '"' for c in cells)

    r = answers(13, 5)
    data = []
    durations = [412, 20, 388, 605, 35]
    for i, x in enumerate(r):
        choice = [EN[v] for v in x]
        if i == 2:
            choice[5] = "Like it"                       # unknown label, row 6
        if i == 4:
            choice = [None] * 16                        # opened and left: no item answered
        prog = 5 if i == 4 else 100
        data.append([f"2024-03-0{i + 1} 10:00:00", f"2024-03-0{i + 1} 10:07:00", "IP Address", prog, durations[i],
                     "False" if i == 4 else "True", f"2024-03-0{i + 1} 10:07:01", f"R_{i + 1:03d}abcXYZ",
                     "anonymous", "EN"] + choice + ["=HYPERLINK(\"http://x\")" if i == 1 else ""])
    write_text(out / "qualtrics_text.csv", [q(qcols), q(qtext), q(qimport)] + [q(d) for d in data], bom=codecs.BOM_UTF8)

    # 14. Qualtrics export with numeric choices, a -99 and a 6
    r = answers(14, 3)
    r[0][0] = -99
    r[1][3] = 6
    qcols2 = meta + ITEMS
    data = [[f"2024-04-0{i + 1} 09:00:00", f"2024-04-0{i + 1} 09:05:00", 0, 100, 300 + i, 1,
             f"2024-04-0{i + 1} 09:05:01", f"R_{i + 1:03d}num", "anonymous", "EN"] + x for i, x in enumerate(r)]
    write_text(out / "qualtrics_numeric.csv",
               [q(qcols2), q(qtext[:26]), q(qimport[:26])] + [q(d) for d in data], bom=codecs.BOM_UTF8)

    # 15. XLSX: numbers, labels, a literal "=1+1" text, 7, a date, an empty row
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "answers"
    ws.append(head)
    r = answers(15, 5)
    r[1] = [EN[v] for v in r[1]]
    ws.append([1] + r[0])                                         # row 2
    ws.append([2] + r[1])                                         # row 3
    ws.append([None] * 17)                                        # row 4: empty (not a data row)
    x = list(r[2])
    x[0] = "=1+1"
    x[1] = 7
    ws.append([3] + x)                                            # row 5
    ws.cell(row=5, column=2).data_type = "s"                      # keep "=1+1" as text, not a formula
    y = list(r[3])
    y[0] = 2.0
    y[1] = dt.datetime(2024, 5, 1)
    ws.append([4] + y)                                            # row 6
    ws.append([5] + r[4])                                         # row 7
    wb.save(out / "survey.xlsx")

    # 15b. XLSX with a title row and a note row above the header
    wb = Workbook()
    ws = wb.active
    ws.append(["Relationship-marketing channel survey"])
    ws.append(["exported 2024-05-02; codes 1-5"])
    ws.append(head)                                               # row 3: the header
    for i, x in enumerate(answers(151, 3)):
        ws.append([i + 1] + x)                                    # rows 4-6
    wb.save(out / "title_rows.xlsx")

    # 16. SPSS: user-missing values, a column coded 0-4 with labels, an undeclared 6
    import pyreadstat

    r = answers(16, 5)
    df = pd.DataFrame(r, columns=ITEMS, dtype=float)
    df.insert(0, "respondent_id", [101, 102, 103, 104, 105])
    df["direct_mail"] = df["direct_mail"] - 1                     # coded 0-4
    df.loc[0, "catalog"] = -99                                    # user missing (declared in the file)
    df.loc[1, "email_receipt"] = 8                                # user missing 'refused' in the file
    df.loc[2, "email_receipt"] = 8
    df.loc[3, "postcard_offer"] = 6                               # out of range, not declared
    df.loc[4, "email_survey"] = np.nan                            # system missing
    pyreadstat.write_sav(
        df, out / "spss_user_missing.sav",
        variable_value_labels={
            "catalog": {float(k): v for k, v in EN.items()} | {-99.0: "No answer"},
            "direct_mail": {float(k - 1): v for k, v in EN.items()},
            "email_receipt": {float(k): v for k, v in EN.items()} | {8.0: "Refused"},
        },
        missing_ranges={"catalog": [-99], "email_receipt": [8]},
    )

    # 17. Stata: an out-of-range 9 and system missing values
    r = answers(17, 4)
    df = pd.DataFrame(r, columns=ITEMS, dtype=float)
    df.insert(0, "respondent_id", [1, 2, 3, 4])
    df.loc[0, "catalog"] = 9
    df.loc[1, "direct_mail"] = np.nan
    pyreadstat.write_dta(df, out / "stata.dta",
                         variable_value_labels={"catalog": {k: v for k, v in EN.items()}})

    # 18. Parquet: nullable ints, a text column with labels, a 0, a row without answers
    r = answers(18, 5)
    df = pd.DataFrame(r, columns=ITEMS).astype("Int64")
    df.insert(0, "respondent_id", ["a1", "a2", "a3", "a4", "a5"])
    df["text_message"] = pd.Series(["Like", "喜欢", "bad", None, "Dislike"], dtype=object)
    df.loc[1, "catalog"] = 0
    df.loc[3, ITEMS] = pd.NA
    df.to_parquet(out / "data.parquet", index=False)

    # 19. UTF-16 with BOM, tab-separated (Excel's 'Unicode text'), Chinese labels
    r = answers(19, 3)
    r[0] = [ZH[v] for v in r[0]]
    write_text(out / "utf16_tab.txt", [line(head, "\t")] + [line([i + 1] + x, "\t") for i, x in enumerate(r)],
               encoding="utf-16-le", bom=codecs.BOM_UTF16_LE, newline="\r\n")

    # 20. Windows-1252 text in a comment column
    r = answers(20, 3)
    comments = ["café – très bien", "naïve", "Ørsted"]
    write_text(out / "cp1252.csv", [line(head + ["comment"])] + [line([i + 1] + x + [comments[i]]) for i, x in enumerate(r)],
               encoding="cp1252")

    # 21. a header and nothing else
    write_text(out / "header_only.csv", [line(head)])

    # 22. a small instrument with reverse keying, NPS, yes/no, frequency and an attention check
    lines_ = [
        "id,sat1,sat2,sat3,rec,repurchase,visits,attn1,duration_s,wt",
        "1,4,4,2,9,Yes,Often,4,300,1.0",
        "2,5,5,1,10,是,总是,4,250,2.0",
        "3,1,1,5,3,no,Never,2,30,0.5",
        "4,3,3,3,7,1,3,4,100,-1",
        "5,2,2,4,6,0,2,,200,",
        "6,4,4,2,8,maybe,5,4,180,1.0",
    ]
    write_text(out / "attention_nps.csv", lines_)

    # 23. empty respondent ids
    a, b, c, d = answers(23, 4)
    lines_ = [line(head), line(["A1"] + a), line([None] + b), line(["  "] + c), line(["A4"] + d)]
    write_text(out / "id_missing.csv", lines_)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
