"""VBA syntax: opsbook's module and the module xlwings generates for opsbook's worksheet
functions parse with a VBA grammar (antlr4-vba, MS-VBAL's grammar for ANTLR), for Windows and
for a Mac (conditional compilation evaluated first), and no parameter is a VBA reserved word
(MS-VBAL §3.3.5.2: a reserved-identifier cannot be an IDENTIFIER).

xlwings' own module and Dictionary class are not parsed here (the Python ANTLR runtime needs
minutes for xlwings.bas); test_addin_build.py shows instead that they are byte for byte the
text Excel compiled in xlwings' Excel-made quickstart workbook."""

import re

from addin_read import windows_udfs
from antlr4 import CommonTokenStream, InputStream
from antlr4.error.ErrorListener import ErrorListener
from antlr4_vba.vbaLexer import vbaLexer
from antlr4_vba.vbaParser import vbaParser

from opsbook.excel.addin import sources
from opsbook.excel.addin.sources import crlf, resource_text

# MS-VBAL §3.3.5.2 reserved-identifier: statement-keyword, marker-keyword, operator-identifier,
# special-form, reserved-type-identifier, reserved-name, literal-identifier, rem-keyword,
# reserved-for-implementation-use, future-reserved.
RESERVED = set(
    """
Call Case Close Const Declare DefBool DefByte DefCur DefDate DefDbl DefInt DefLng DefLngLng DefLngPtr
DefObj DefSng DefStr DefVar Dim Do Else ElseIf End EndIf Enum Erase Event Exit For Friend Function Get
Global GoSub GoTo If Implements Input Let Lock Loop LSet Next On Open Option Print Private Public Put
RaiseEvent ReDim Resume Return RSet Seek Select Set Static Stop Sub Type Unlock Wend While With Write
Any As ByRef ByVal Each In New Shared Until WithEvents Optional ParamArray Preserve Spc Tab Then To
AddressOf And Eqv Imp Is Like Mod Not Or TypeOf Xor
Array Circle InputB LBound Scale UBound
Boolean Byte Currency Date Double Integer Long LongLong LongPtr Single String Variant
Abs CBool CByte CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr CSng CStr CVar CVErr Debug DoEvents Fix
Int Len LenB Me PSet Sgn
True False Nothing Empty Null Rem
Attribute LINEINPUT VB_Base VB_Control VB_Creatable VB_Customizable VB_Description VB_Exposed
VB_Ext_KEY VB_GlobalNameSpace VB_HelpID VB_Invoke_Func VB_Invoke_Property VB_Invoke_PropertyPut
VB_Invoke_PropertyPutRef VB_MemberFlags VB_Name VB_PredeclaredId VB_ProcData VB_TemplateDerived
VB_UserMemId VB_VarDescription VB_VarHelpID VB_VarMemberFlags VB_VarProcData VB_VarUserMemId
CDecl Decimal DefDec
""".split()
)
RESERVED_LOWER = {word.lower() for word in RESERVED}
WINDOWS = {"Mac": False, "VBA7": True, "Win64": True, "App": "Microsoft Excel"}
MAC = {
    "Mac": True,
    "VBA7": True,
    "Win64": False,
    "MAC_OFFICE_VERSION": 16,
    "App": "Microsoft Excel",
}


def conditional(text: str, constants: dict) -> str:
    """The text VBA compiles on a platform (MS-VBAL §3.4 conditional compilation): directive
    lines and lines of untaken #If branches blanked, line numbers kept."""
    consts = {k.lower(): v for k, v in constants.items()}

    def value(expr):
        py = re.sub(r"<>", "!=", expr)
        py = re.sub(r"(?<![<>!=])=(?!=)", "==", py)
        for word, repl in (("Or", " or "), ("And", " and "), ("Not", " not ")):
            py = re.sub(rf"\b{word}\b", repl, py, flags=re.I)
        names = {
            n: consts.get(n.lower(), 0)
            for n in re.findall(r"\b[A-Za-z_]\w*\b", py)
            if n not in ("or", "and", "not", "True", "False")
        }
        return bool(eval(py, {"__builtins__": {}}, names))  # noqa: S307 - test-only, our own text

    out, stack, active = [], [], True
    for line in text.split("\r\n"):
        m = re.match(
            r"\s*#(If|ElseIf|Else|End If|Const)\b(.*?)(?:\bThen\b)?\s*(?:'.*)?$", line, re.I
        )
        if not m:
            out.append(line if active else "")
            continue
        word, rest = m.group(1).lower(), m.group(2).strip()
        if word == "const" and active:
            name, expr = rest.split("=", 1)
            consts[name.strip().lower()] = (
                value(expr) if not expr.strip().startswith('"') else expr.strip()[1:-1]
            )
        elif word == "if":
            taken = active and value(rest)
            stack.append((active, taken))
            active = taken
        elif word == "elseif":
            parent, done = stack[-1]
            active = parent and not done and value(rest)
            stack[-1] = (parent, done or active)
        elif word == "else":
            parent, done = stack[-1]
            active = parent and not done
            stack[-1] = (parent, True)
        elif word == "end if":
            active = stack.pop()[0]
        out.append("")
    assert not stack, "unbalanced #If"
    return "\r\n".join(out)


class _Errors(ErrorListener):
    def __init__(self):
        self.found = []

    def syntaxError(self, recognizer, symbol, line, column, msg, e):  # noqa: N802 - ANTLR's name
        self.found.append(f"line {line}:{column} {msg[:120]}")


def syntax_errors(text: str) -> list[str]:
    errors = _Errors()
    lexer = vbaLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(errors)
    parser = vbaParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(errors)
    parser.startRule()
    return errors.found


def parameters(text: str) -> list[tuple[str, str]]:
    """(procedure, parameter name) of each Sub/Function/Property declaration."""
    found = []
    for proc, params in re.findall(
        r"^\s*(?:Public |Private |Friend )?(?:Sub|Function|Property \w+) (\w+)\((.*?)\)",
        text,
        re.M | re.I,
    ):
        for param in filter(None, (p.strip() for p in params.split(","))):
            words = [
                w
                for w in param.split()
                if w.lower() not in ("optional", "byval", "byref", "paramarray")
            ]
            found.append((proc, re.sub(r"\(\)$", "", words[0])))
    return found


def reserved_parameters(text: str) -> list[tuple[str, str]]:
    return [(proc, name) for proc, name in parameters(text) if name.lower() in RESERVED_LOWER]


def udf_module(monkeypatch) -> str:
    """The module opsbook.xlam carries for the worksheet functions (sources.udf_module: xlwings'
    own generator), made here as on Windows."""
    with windows_udfs(monkeypatch):
        module = sources.udf_module()
    assert module is not None
    return module.source


def test_the_checks_catch_what_they_claim():
    assert syntax_errors(crlf('Attribute VB_Name = "m"\nSub A(\n    If Then\nEnd Sub\n'))
    assert not syntax_errors(
        crlf('Attribute VB_Name = "m"\nSub A(ByVal n As Long)\n    n = n + 1\nEnd Sub\n')
    )
    assert reserved_parameters("Function F(Date, Optional ByVal n As Long)\n") == [("F", "Date")]
    text = crlf("#If Mac Then\nA\n#ElseIf VBA7 Then\nB\n#Else\nC\n#End If\n")
    assert [x for x in conditional(text, WINDOWS).split("\r\n") if x] == ["B"]
    assert [x for x in conditional(text, MAC).split("\r\n") if x] == ["A"]


def test_opsbook_module_parses_on_windows_and_mac_without_reserved_parameters():
    source = crlf(resource_text("opsbook.bas"))
    source.encode("ascii")  # the project's code page is 1252; ASCII reads the same everywhere
    for platform in (WINDOWS, MAC):
        assert syntax_errors(conditional(source, platform)) == []
    assert parameters(source) and reserved_parameters(source) == []


def test_the_generated_udf_module_parses_without_reserved_parameters(monkeypatch):
    source = udf_module(monkeypatch)
    assert "Function OPS_IS_WORKDAY(" in source and "ActiveWorkbook, Application.Caller" in source
    assert reserved_parameters(source) == []
    assert syntax_errors(conditional(source, WINDOWS)) == []


def vba_text(source: str, function: str) -> str:
    """What a generated text Function returns, read back from its VBA: the literals, ChrW
    codes and vbLf of each `s = s & …` line (tests/test_addin_vba.py's own little reader)."""
    body = source.split(f"Public Function {function}() As String", 1)[1].split("End Function")[0]
    out = []
    for line in body.split("\r\n"):
        line = line.strip()
        if not line.startswith("s = s & "):
            continue
        for token in re.findall(r'"(?:[^"]|"")*"|ChrW\(\d+\)|vbLf', line[len("s = s & ") :]):
            if token == "vbLf":
                out.append("\n")
            elif token.startswith("ChrW"):
                out.append(chr(int(token[5:-1])))
            else:
                out.append(token[1:-1].replace('""', '"'))
    return "".join(out)


def test_help_and_messages_are_shown_from_vba_in_chinese(monkeypatch):
    """說明 no longer goes through RunPython (help must work when Python does not), and the
    no-workbook message is Chinese like every other; the module stays ASCII (code page 1252)."""
    opsbook = crlf(resource_text("opsbook.bas"))
    help_sub = opsbook.split("Sub OpsHelp()", 1)[1].split("End Sub")[0]
    assert "RunPython" not in help_sub and "OpsHelpText()" in help_sub
    assert "Open or activate" not in opsbook and "OpsNoWorkbookText()" in opsbook
    for formulas in (False, True):
        with windows_udfs(monkeypatch):
            source = sources.text_module(formulas).source
        source.encode("ascii")
        assert max(map(len, source.split("\r\n"))) <= 1023  # VBA's line limit
        for platform in (WINDOWS, MAC):
            assert syntax_errors(conditional(source, platform)) == []
        assert vba_text(source, "OpsHelpText") == resource_text("help.txt").rstrip("\n")
        assert "活頁簿" in vba_text(source, "OpsNoWorkbookText")


def test_the_addin_registers_each_function_description(monkeypatch):
    """Insert Function shows a description for each formula: the add-in registers them on
    opening with Application.MacroOptions (what xlwings' import_udfs does), in ChrW text."""
    with windows_udfs(monkeypatch):
        text = sources.text_module(True).source
        modules = {m.name: m.source for m in sources.project_modules(["Sheet1"], formulas=True)}
        docs = sources.function_docs()
    assert "OpsbookText.OpsRegisterFunctions" in modules["ThisWorkbook"]
    assert "Private Sub Workbook_Open()" in modules["ThisWorkbook"]
    code = "".join(  # its code, under the one attribute the grammar reads in a module
        line for line in modules["ThisWorkbook"].splitlines(True) if not line.startswith("Attr")
    )
    assert syntax_errors(crlf('Attribute VB_Name = "ThisWorkbook"\n') + code) == []
    names = re.findall(r"MacroOptions Macro:=\"'\" & ThisWorkbook.Name & \"'!(\w+)\"", text)
    assert sorted(names) == sorted(n for n, _, _ in docs) and "OPS_CHECK_ROW" in names
    check_row = next(d for d in docs if d[0] == "OPS_CHECK_ROW")
    assert check_row[1].startswith("按規章檢查一行") and len(check_row[2]) == 3  # no `caller`
    block = text.split("'!OPS_CHECK_ROW\"")[0].rsplit("ReDim", 1)[0].rsplit("MacroOptions", 1)[-1]
    wrapped = "Public Function X() As String\r\n" + block.replace("d = d & ", "s = s & ")
    assert vba_text(wrapped + "End Function", "X") == check_row[1]
    # off Windows (no function module) nothing is registered and ThisWorkbook has no code
    plain = {m.name: m.source for m in sources.project_modules(["Sheet1"])}
    assert "Workbook_Open" not in plain["ThisWorkbook"]
    assert "MacroOptions Macro" not in plain["OpsbookText"]
