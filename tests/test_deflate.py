"""Reading and writing package members with ISA-L: the same bytes as zipfile, damage caught."""

import io
import zipfile

import pytest

from opsbook.ooxml.deflate import compressor, deflate, inflate_chunks
from opsbook.ooxml.zipcopy import RawZipWriter, member_chunks

SHEET = b"".join(
    b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7) for i in range(1, 60_000)
)


def _zip(path, method):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", SHEET, compress_type=method)
        zf.writestr("small.xml", b"<a/>", compress_type=method)


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_member_chunks_give_what_zipfile_reads(tmp_path, method):
    path = tmp_path / "book.xlsx"
    _zip(path, method)
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            assert b"".join(member_chunks(path, info)) == zf.read(info)


def test_a_damaged_member_is_caught(tmp_path):
    path = tmp_path / "book.xlsx"
    _zip(path, zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF  # one flipped byte in the middle of the stream
    path.write_bytes(bytes(data))
    with pytest.raises(zipfile.BadZipFile):
        for _ in member_chunks(path, info):
            pass


def test_inflated_chunks_stay_bounded_however_well_a_part_compresses():
    packed = deflate(b"A" * 20_000_000)  # compresses about a thousandfold
    chunks = list(inflate_chunks(io.BytesIO(packed), len(packed), most=1 << 20))
    assert b"".join(chunks) == b"A" * 20_000_000
    assert max(len(c) for c in chunks) <= 1 << 20


def test_written_members_read_back_in_any_zip_reader(tmp_path):
    path = tmp_path / "out.xlsx"
    with open(path, "wb") as fh:
        writer = RawZipWriter(fh)
        writer.write("xl/worksheets/sheet1.xml", SHEET)  # big: ISA-L
        writer.write("small.xml", b"<a/>")  # small: zlib level 6
        writer.close()
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert zf.read("xl/worksheets/sheet1.xml") == SHEET
    # Big parts go through ISA-L (a declared dependency), small ones through zlib.
    assert type(compressor(len(SHEET))).__module__ == "isal_zlib"
    assert type(compressor(4)).__module__ == "zlib"
