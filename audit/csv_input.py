"""Read CSV and other delimited text exports into a raw DuckDB table.

DuckDB's CSV reader loads a well-formed file in one pass. Its result is kept
only if it rejected no record and its records account for every line of the
file, because DuckDB skips blank lines and a skipped line would shift the row
number of every later record. Otherwise the file is read again record by
record with Python's csv module, which keeps each record or reports it with
its row number and the reason.

Text in another encoding than UTF-8 is first copied into a temporary UTF-8
file, because the DuckDB wheel reads only UTF-8 without extensions.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import logging
import re
import tempfile
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from audit.errors import ConfigError, InputFileError
from audit.raw_tables import (
    LoadedInput,
    MalformedRecord,
    RecordWriter,
    clean_header,
    quote_name,
)

log = logging.getLogger(__name__)

SAMPLE_BYTES = 1 << 20
# Maximum length of a line: bytes for DuckDB, characters for the Python
# reader, so a gigantic line is rejected rather than held. DuckDB sizes its
# read buffers from this limit. At 8 MB instead of its default 2 MB it read
# the orders of the million-order demo (24 columns) in 0.51 s instead of
# 0.75 s, and the other exports as fast as before.
MAX_LINE_SIZE = 8_388_608
DELIMITERS = ",;\t|"
# The problem of a record with a value longer than csv's field limit.
VALUE_TOO_LONG = "a value passes the field limit"
LINE_FEED = ord("\n")
UTF8_CODECS = ("utf-8", "utf-8-sig")
# Lone surrogates are how the "surrogateescape" error handler carries bytes
# that the codec could not decode.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def detect_encoding(sample: bytes, configured: str = "auto") -> str:
    """Return the Python codec name of a text export, given its first bytes.

    A byte order mark decides. Otherwise UTF-8 is taken when the sample is
    UTF-8 with at most a few stray bytes, because other encodings rarely form
    valid multi-byte UTF-8 sequences. GB18030 (a superset of GBK) decodes many
    byte sequences, Windows-1252 text included, so it is taken only when the
    text does not read as Latin letters (see ``_reads_as_latin``).
    Windows-1252 comes last, and Latin-1 when Windows-1252 cannot decode it.
    """
    if configured != "auto":
        return _configured_codec(sample, configured)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _mostly_utf8(sample):
        return "utf-8"
    if _decode_prefix(sample, "gb18030") is not None and not _reads_as_latin(sample):
        return "gb18030"
    if _decode_prefix(sample, "cp1252") is not None:
        return "cp1252"
    return "latin-1"


def _configured_codec(sample: bytes, configured: str) -> str:
    try:
        codec = codecs.lookup(configured).name
    except LookupError:
        raise ConfigError(
            f"unknown encoding {configured!r}",
            fix='Use a Python codec name such as "utf-8", "gbk", "gb18030", '
            '"cp1252" or "latin-1", or "auto" to detect it.',
        ) from None
    if codec == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return codec


def _decode_prefix(sample: bytes, codec: str) -> str | None:
    """Decode a sample, or return None when it contains bytes the codec rejects.

    A sample cut from a longer file may end inside a multi-byte character, so
    an incomplete last character is dropped rather than counted as an error.
    """
    try:
        return sample.decode(codec)
    except UnicodeDecodeError as exc:
        truncated = exc.end == len(sample) and any(
            words in exc.reason
            for words in ("end of data", "incomplete", "truncated")
        )
        complete_part = sample[: exc.start]
    if not truncated:
        return None
    try:
        return complete_part.decode(codec)
    except UnicodeDecodeError:
        return None


def _mostly_utf8(sample: bytes) -> bool:
    """Check that the sample is UTF-8 but for a few stray bytes or lines.

    Either at most one stray byte comes per 20 non-ASCII characters, or at
    least ten lines with non-ASCII text read as UTF-8 for each line that
    does not (an export with a few rows pasted in from GBK). Text in GBK
    rarely forms valid UTF-8, line after line. A stray byte then costs
    only the records that contain it, which are rejected with a reason,
    instead of the whole file being read in a wrong encoding.
    """
    if _decode_prefix(sample, "utf-8") is not None:
        return True
    text = sample.decode("utf-8", errors="replace")
    errors = text.count("\ufffd") - sample.count("\ufffd".encode())
    multibyte = sum(1 for char in text if "\u0080" <= char != "\ufffd")
    if multibyte >= 20 * errors:
        return True
    # The last line may be cut inside a character, which _decode_prefix
    # allows. It counts too, because in a sample of long lines it may be the
    # only one with non-ASCII text, and then it decides.
    lines = [line for line in sample.split(b"\n") if not line.isascii()]
    bad = sum(1 for line in lines if _decode_prefix(line, "utf-8") is None)
    return len(lines) > bad and len(lines) - bad >= 10 * bad


def _reads_as_latin(sample: bytes) -> bool:
    """Check whether the sample, read as Windows-1252, looks like Latin-script text.

    In such text more than half of the non-ASCII characters are accented
    letters beside an ASCII letter ("Müller", "São"). GBK text read as
    Windows-1252 gives pairs of symbols and letters between ASCII punctuation
    ("¶©µ¥"). In the Chinese samples of the tests, at most half of the
    characters qualified, and usually none did.
    """
    text = sample.decode("cp1252", errors="replace")
    candidates = hits = 0
    for index, char in enumerate(text):
        if char.isascii():
            continue
        candidates += 1
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        beside_letter = _ascii_letter(before) or _ascii_letter(after)
        if char.isalpha() and beside_letter:
            hits += 1
    return candidates > 0 and hits > candidates / 2


def _ascii_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def load_text(con, name: str, path: Path, table: str, configured: str) -> LoadedInput:
    """Read one delimited text export into the raw table ``table``."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    codec = detect_encoding(sample, configured)
    check_text_sample(path, sample, codec)
    _check_configured_codec(path, sample, codec, configured)
    source = path if codec in UTF8_CODECS else _utf8_copy(path, codec)
    try:
        # The file is hashed and its lines counted in a second thread while
        # DuckDB reads it. Hashing releases the GIL, and on two cores the pair
        # took 0.78 s for the carrier events of the million-order demo, against
        # 0.67 s and 0.36 s one after the other.
        with ThreadPoolExecutor(1, thread_name_prefix="text-facts") as pool:
            facts = pool.submit(read_text_facts, source)
            loaded = _load_with_duckdb(con, name, path, source, table, codec, facts)
            if loaded is None:
                loaded = _load_with_python(con, name, path, source, table, codec)
            found = facts.result()
    finally:
        if source != path:
            source.unlink(missing_ok=True)
    if source == path:
        loaded.sha256 = found.sha256
    loaded.may_contain_nul = found.nul
    if not loaded.columns:
        raise InputFileError(f"{path}: the file is empty; expected a header row")
    return loaded


def check_text_sample(path: Path, sample: bytes, codec: str) -> None:
    """Raise InputFileError for an empty file or one that is not text at all."""
    if not sample.lstrip(codecs.BOM_UTF8).strip():
        raise InputFileError(f"{path}: the file is empty; expected a header row")
    if codec.startswith(("utf-16", "utf-32")):
        return
    head = sample[:65536]
    share = head.count(0) / len(head)
    if share > 0.1:
        raise InputFileError(
            f"{path}: {share:.0%} of the first {len(head):,} bytes are NUL bytes, "
            "so this is a binary file or text in UTF-16 without a byte order mark",
            fix="Export the data again as CSV in UTF-8.",
        )


def _check_configured_codec(path: Path, sample: bytes, codec: str,
                            configured: str) -> None:
    """Raise when a configured legacy encoding would misread a UTF-8 file."""
    if configured == "auto" or codec in UTF8_CODECS or codec.startswith("utf"):
        return
    if sample.isascii() or not _mostly_utf8(sample):
        return
    raise InputFileError(
        f"{path}: the file is UTF-8 text, but its encoding is configured as "
        f"{configured!r}, which would misread every non-ASCII character",
        fix='Set encoding = "auto" (or "utf-8") for this input or under [input].',
    )


def _utf8_copy(path: Path, codec: str) -> Path:
    """Transcode an export into a temporary UTF-8 file for DuckDB.

    Bytes the codec cannot decode pass through unchanged, so DuckDB rejects
    just the records that contain them and the Python reader reports each one.
    The caller deletes the copy.
    """
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the caller deletes it)
        "w", encoding="utf-8", errors="surrogateescape", suffix=".csv",
        delete=False, newline="",
    )
    try:
        with handle, path.open("r", encoding=codec, errors="surrogateescape",
                               newline="") as text:
            for chunk in iter(lambda: text.read(1 << 20), ""):
                handle.write(chunk)
    except UnicodeDecodeError as exc:
        Path(handle.name).unlink(missing_ok=True)
        raise InputFileError(
            f"{path}: cannot decode the file as {codec}: {exc}",
            fix="Set encoding for this input, or under [input], to the "
            "export's encoding.",
        ) from None
    return Path(handle.name)


@dataclass
class TextFacts:
    """The findings of one pass over a text file: hash, lines, quotes, NUL bytes."""

    sha256: str
    lines: int
    # Whether a quote character (" or ') appears anywhere. Without one no
    # value can hold a line break, so the breaks need not be counted.
    quoted: bool
    # Whether a NUL byte appears anywhere.
    nul: bool


def read_text_facts(path: Path) -> TextFacts:
    """Read a file once for its SHA-256, its line count, quotes and NUL bytes.

    Lines are counted up to the last character other than a line break, so
    trailing blank lines do not count.
    """
    digest = hashlib.sha256()
    lines = 0
    lines_before_end = 0
    quoted = nul = False
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            # numpy compares the bytes in vector steps, about four times as
            # fast as bytes.count.
            breaks = int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == LINE_FEED))
            # The line breaks at the end of the chunk are found by walking
            # back, not by rstrip, which would copy the whole chunk.
            end = len(chunk)
            while end and chunk[end - 1] in b"\r\n":
                end -= 1
            if end:
                lines_before_end = lines + breaks - chunk.count(b"\n", end)
            lines += breaks
            quoted = quoted or b'"' in chunk or b"'" in chunk
            nul = nul or b"\0" in chunk
    return TextFacts(digest.hexdigest(), lines_before_end + 1, quoted, nul)


def _load_with_duckdb(con, name, path, source, table, codec,
                      facts: Future[TextFacts]) -> LoadedInput | None:
    """Load ``source`` with DuckDB's CSV reader, or return None if it was not exact.

    When the first attempt is not exact, the sniffer is asked whether lines
    above the header (a report title, say) should be skipped. If so, a second
    attempt skips them, and the first record's row number moves down by as
    many rows as it does in a spreadsheet.
    """
    if _scan_exactly(con, path, source, table, facts, skip=0):
        return _rename_scan(con, name, path, table, codec, skip=0)
    skip = _lines_above_header(con, source)
    if skip and _scan_exactly(con, path, source, table, facts, skip):
        return _rename_scan(con, name, path, table, codec, skip)
    log.info("DuckDB rejected or skipped lines of %s; reading it record by record",
             path)
    return None


def _scan_exactly(con, path: Path, source: Path, table: str, facts: Future[TextFacts],
                  skip: int) -> bool:
    """Read ``source`` into ``<table>_scan``; return whether the result is exact.

    The result is exact when DuckDB rejected no record and the header, the
    records and the ``skip`` lines above the header account for every line
    of the file. Otherwise the scan table is dropped.
    """
    scan = quote_name(f"{table}_scan")
    con.execute("DROP TABLE IF EXISTS reject_errors")
    con.execute("DROP TABLE IF EXISTS reject_scans")
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {scan} AS SELECT * FROM read_csv(?, "
            "all_varchar = true, header = true, store_rejects = true, "
            f"sample_size = 20480, max_line_size = {MAX_LINE_SIZE}, skip = {skip})",
            [str(source)],
        )
    except duckdb.Error as exc:
        log.info("DuckDB failed to read %s (%s)", path, exc)
        return False
    try:
        exact = _accounts_for_lines(con, f"{table}_scan", facts.result(), skip)
    finally:
        con.execute("DROP TABLE IF EXISTS reject_errors")
        con.execute("DROP TABLE IF EXISTS reject_scans")
    if not exact:
        con.execute(f"DROP TABLE {scan}")
    return exact


def _accounts_for_lines(con, scan: str, facts: TextFacts, skip: int) -> bool:
    if con.execute("SELECT count(*) FROM reject_errors").fetchone()[0]:
        return False
    header = _scan_header(con, scan)
    first = con.execute(f"SELECT * FROM {quote_name(scan)} LIMIT 1").fetchall()
    if first and list(first[0]) == header:
        # DuckDB 2.0.1 reads a file that starts with a blank line this way:
        # names from the header, and the header once more as a record.
        return False
    header_breaks = sum(column.count("\n") for column in header)
    if facts.quoted:
        records, breaks = con.execute(
            f"SELECT count(*), {_line_breaks_sql(scan, header)}"
        ).fetchone()
    else:
        records = con.execute(f"SELECT count(*) FROM {quote_name(scan)}").fetchone()[0]
        breaks = 0
    return skip + 1 + header_breaks + records + (breaks or 0) == facts.lines


def _lines_above_header(con, source: Path) -> int:
    """Return how many title lines DuckDB's sniffer finds above the header, or 0.

    The lines count only if each has fewer fields than the header, as a title
    or a note has, and if as many of them are not blank as the titles found
    by field counts (``_title_records``). The sniffer can take a malformed
    last record with an extra field for the header, and then every line
    above it has fewer fields.
    """
    try:
        skip, delimiter, columns = con.execute(
            "SELECT SkipRows, Delimiter, len(Columns) FROM sniff_csv(?, "
            "header = true, sample_size = 20480)",
            [str(source)],
        ).fetchone()
    except duckdb.Error:
        return 0
    if not skip:
        return 0
    with source.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        sample = handle.read(65536)
    buffer = io.StringIO(sample, newline="")
    lines = [buffer.readline() for _ in range(skip)]
    if not all(line.count(delimiter) < columns - 1 for line in lines):
        return 0
    titles = sum(1 for line in lines if line.strip())
    return skip if titles == _title_records(sample, delimiter) else 0


def _line_breaks_sql(scan: str, header: list[str]) -> str:
    """Return SQL that counts the line breaks inside values (quoted multi-line text).

    Only the rows that contain one are measured. So a file without any, the
    common case, costs one fast scan for the character.
    """
    names = [quote_name(column) for column in header]
    contains = " OR ".join(f"contains({name}, chr(10))" for name in names)
    lengths = " + ".join(
        f"coalesce(length({name}) - length(replace({name}, chr(10), '')), 0)"
        for name in names
    )
    return (
        f"(SELECT sum({lengths}) FROM {quote_name(scan)} WHERE {contains}) "
        f"FROM {quote_name(scan)}"
    )


def _scan_header(con, scan: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE {quote_name(scan)}").fetchall()]


def _rename_scan(con, name, path, table, codec, skip: int) -> LoadedInput:
    """Make the raw table a view over the exact scan, with spreadsheet row numbers.

    A view renames the columns and adds ``_file`` and ``_row`` without copying
    the scan. A copy doubles the memory that the text needs and took 1.7 s for
    the 3.7 million carrier events of the 1,000,000-order demo on 2 cores.
    """
    scan = f"{table}_scan"
    header = _scan_header(con, scan)
    columns = clean_header(header)
    select = ", ".join(
        f"{quote_name(old)} AS {quote_name(new)}"
        for old, new in zip(header, columns, strict=True)
    )
    # rowid follows the file's order because DuckDB preserves insertion order.
    # The header is row 1 + skip, so the first record is row 2 + skip. A view
    # cannot take a parameter, so the path is written as a literal.
    path_literal = "'" + str(path).replace("'", "''") + "'"
    con.execute(
        f"CREATE OR REPLACE VIEW {quote_name(table)} AS SELECT {path_literal} AS _file, "
        f"CAST(rowid + {2 + skip} AS BIGINT) AS _row, {select} "
        f"FROM {quote_name(scan)}"
    )
    count = con.execute(f"SELECT count(*) FROM {quote_name(scan)}").fetchone()[0]
    return LoadedInput(name, path, table, "", codec, columns, count, scan_table=scan)


class _LineSource:
    """An iterator over the lines of a text file for csv.reader, noting bad lines.

    A line longer than ``limit`` characters is skipped to its end and passed
    on as an empty line, so memory stays bounded. A line that contains
    undecodable bytes is passed on as it is. Either way ``problem`` names the
    fault, and the caller rejects the record that the line belonged to.
    """

    def __init__(self, handle, limit: int, codec: str):
        self.handle = handle
        self.limit = limit
        self.codec = codec
        self.problem: str | None = None
        # The lines of the record being read.
        self.lines: list[str] = []
        # A line read ahead, returned by the next read.
        self.pending = ""

    def _next_line(self) -> str:
        if self.pending:
            line, self.pending = self.pending, ""
            return line
        # Two more characters leave room for the line's CR LF, which does not
        # count towards the limit.
        return self.handle.readline(self.limit + 2)

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self._next_line()
        if not line:
            raise StopIteration
        if len(line.rstrip("\r\n")) > self.limit:
            while line and not line.endswith(("\n", "\r")):
                line = self._next_line()
            if line.endswith("\r"):
                # A read that stops between the CR and the LF of a line break
                # leaves the LF, which is not a line of its own.
                following = self._next_line()
                self.pending = "" if following == "\n" else following
            self.problem = (
                f"the record has a line longer than {self.limit:,} characters"
            )
            self.lines.append("")
            return "\n"
        if _UNDECODABLE.search(line) and self.problem is None:
            self.problem = f"the record contains bytes that are not valid {self.codec}"
        self.lines.append(line)
        return line


def _load_with_python(con, name, path, source, table, codec) -> LoadedInput:
    with source.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        sample = handle.read(65536)
    delimiter = _best_delimiter(sample)
    titles = _title_records(sample, delimiter)
    encoding = "utf-8-sig" if codec == "utf-8-sig" else "utf-8"
    previous_limit = csv.field_size_limit(MAX_LINE_SIZE)
    try:
        with source.open("r", encoding=encoding, errors="surrogateescape",
                         newline="") as handle:
            lines = _LineSource(handle, MAX_LINE_SIZE, codec)
            return _read_records(con, name, path, table, codec, lines, delimiter,
                                 titles)
    finally:
        csv.field_size_limit(previous_limit)


def _read_records(con, name, path, table, codec, lines, delimiter,
                  titles: int = 0) -> LoadedInput:
    reader = csv.reader(lines, delimiter=delimiter)
    header, problem = _next_record(reader, lines)
    row = 1
    # Blank lines and ``titles`` title lines above the header are rows of
    # their own in a spreadsheet.
    while header is not None and not problem and (header == [] or titles > 0):
        titles -= 1 if header else 0
        header, problem = _next_record(reader, lines)
        row += 1
    if header is None:
        return LoadedInput(name, path, table, "", codec, [], 0)
    if problem:
        raise InputFileError(f"{path}: cannot read the header row because {problem}")
    columns = clean_header(header)
    writer = RecordWriter(con, table, path, columns)
    malformed: list[MalformedRecord] = []
    while True:
        row += 1
        record, problem = _next_record(reader, lines)
        if record is None:
            break
        if not record and not problem:
            continue
        if problem == VALUE_TOO_LONG and _skip_quoted_value(lines, delimiter):
            malformed.append(MalformedRecord(
                row, _shown_line(lines.lines[0])[:200],
                f"a value is longer than {MAX_LINE_SIZE:,} characters"))
            continue
        if not problem and len(record) != len(columns):
            problem = (
                f"the record has {len(record)} fields but the header has {len(columns)}"
            )
        if problem and len(record) < len(columns) and len(lines.lines) > 1:
            malformed += _unclosed_quote(row, lines.lines)
            row += len(lines.lines) - 1
        elif problem:
            malformed.append(MalformedRecord(row, _shown(record, delimiter), problem))
        else:
            writer.add(row, [value if value != "" else None for value in record])
    writer.flush()
    return LoadedInput(name, path, table, "", codec, columns,
                       writer.written + len(malformed), malformed)


def _next_record(reader, lines: _LineSource) -> tuple[list[str] | None, str | None]:
    """Return the next record and why it is unusable, or (None, None) at the end."""
    lines.problem = None
    lines.lines = []
    try:
        record = next(reader)
    except StopIteration:
        return None, None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            return [], VALUE_TOO_LONG
        return [], f"the record cannot be parsed as CSV: {exc}"
    return record, lines.problem


def _skip_quoted_value(lines: _LineSource, delimiter: str) -> bool:
    """Read on to the end of the record whose quoted value passed the field limit.

    csv stops inside the value, so the record's remaining lines are read
    here and not taken for records. Return False when the file ends inside
    the quotes, because the quote was never closed. Only the first 200
    characters of each line are kept, so a huge value does not stay in
    memory.
    """
    state, ended = _FIELD_START, False
    for line in lines.lines:
        state, ended = _quote_state(state, line, delimiter)
    lines.lines = [line[:200] for line in lines.lines]
    while not ended:
        try:
            line = next(lines)
        except StopIteration:
            return False
        state, ended = _quote_state(state, line, delimiter)
        lines.lines[-1] = line[:200]
    return True


# States of csv's reader within a record, followed by _quote_state.
_FIELD_START, _UNQUOTED, _QUOTED, _AFTER_QUOTE = range(4)


def _quote_state(state: int, line: str, delimiter: str) -> tuple[int, bool]:
    """Follow one line of a record as csv's reader does.

    Return the state at the end of the line and whether the record ended
    on it.

    A quote opens a value only at the start of a field, so a quote inside an
    unquoted value (5" screen) is text. Inside a quoted value two quotes are
    one quote character, and a line break is part of the value.
    """
    position = 0
    while position < len(line):
        if state == _QUOTED:
            closing = line.find('"', position)
            if closing < 0:
                return _QUOTED, False
            state, position = _AFTER_QUOTE, closing + 1
            continue
        char = line[position]
        if state == _AFTER_QUOTE and char == '"':
            state = _QUOTED
        elif char == delimiter:
            state = _FIELD_START
        elif char in "\r\n":
            return _FIELD_START, True
        elif state == _FIELD_START and char == '"':
            state = _QUOTED
        else:
            state = _UNQUOTED
        position += 1
    # A line without a break is the file's last, which ends the record
    # unless a quote is still open.
    return state, state != _QUOTED


def _unclosed_quote(row: int, lines: list[str]) -> list[MalformedRecord]:
    """Reject each line of a record that a quote never closed, on its own row.

    Such a record runs over several lines and has too few fields: the text
    after the quote became one value. A spreadsheet shows each of its lines
    as a row, so each is listed with its row number.
    """
    reason = (f"a quote opened on row {row} runs on over {len(lines)} lines, so this "
              "line cannot be split into fields; close the quote in the export")
    return [MalformedRecord(row + offset, _shown_line(line), reason)
            for offset, line in enumerate(lines)]


def _shown_line(line: str) -> str:
    """Return a line for the rejected-rows sheet, without its line break.

    Bytes the codec could not decode are shown as U+FFFD, since a lone
    surrogate cannot be stored as UTF-8.
    """
    return _UNDECODABLE.sub("\ufffd", line.rstrip("\r\n"))


def _shown(record: list[str], delimiter: str) -> str:
    """Join a record into text for the rejected-rows sheet, cut to 200 characters."""
    text = delimiter.join(record)[:200]
    return _UNDECODABLE.sub("\ufffd", text)


def read_header(path: Path) -> list[str]:
    """Return the header names of an export without loading it, or [] on failure.

    Profiles are compared with a folder's files by their headers, so this
    reads only the first 64 KB of a text file and the schema of a Parquet
    file. It returns [] for workbooks.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet

            return clean_header(pyarrow.parquet.read_schema(path).names)
        if suffix not in (".csv", ".tsv", ".txt"):
            return []
        with path.open("rb") as handle:
            sample = handle.read(65536)
        text = _decode_prefix(sample, detect_encoding(sample)) or ""
    except (OSError, ValueError, ConfigError):
        return []
    records = _sample_records(text.lstrip("\ufeff"), _best_delimiter(text))
    return clean_header(records[0]) if records else []


def _best_delimiter(sample: str) -> str:
    """Return the candidate delimiter that splits the most records like the header.

    Blank lines and titles (records of one field) above the header are left
    out. DuckDB's sniffer is not asked, because it can pick a wrong
    delimiter for the malformed files that this reader is for.
    """
    best, best_score = ",", (0, 0)
    for candidate in DELIMITERS:
        records = [record for record in _sample_records(sample, candidate)
                   if len(record) >= 2]
        if not records:
            continue
        width = len(records[0])
        score = (sum(1 for record in records[1:] if len(record) == width), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _title_records(sample: str, delimiter: str) -> int:
    """Return how many title records (not blank) come before the header.

    The header is the first record with as many fields as most records
    have; the records before it count as titles if each has fewer.
    """
    records = [record for record in _sample_records(sample, delimiter) if record]
    widths = Counter(len(record) for record in records if len(record) >= 2)
    if not widths:
        return 0
    width = widths.most_common(1)[0][0]
    header = next(index for index, record in enumerate(records) if len(record) == width)
    if all(len(record) < width for record in records[:header]):
        return header
    return 0


def _sample_records(sample: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        return list(itertools.islice(reader, 200))
    except csv.Error:
        return []
