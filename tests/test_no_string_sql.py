"""No SQL is built from strings anywhere in the application (issue 7).

The application's Python source (everything but tests/, bench/ and hidden folders such as .venv)
is read with the `ast` module. A statement handed to the database — the argument of sqlalchemy's
text(), literal_column() or DDL(), of exec_driver_sql(), execute(), executemany(),
executescript() or pandas' read_sql() — must not be an f-string with placeholders, a %-format, a
.format() call, a str.join() or a concatenation with anything but string literals, nor a local
variable assigned one of those. Values travel as bound parameters and identifiers come from
SQLAlchemy constructs; SQL text written as a literal (a PRAGMA, a migration's fixed statement) is
fine. sqlalchemy's text() is not used outside db/ at all: SQL lives in db/.

A self-check runs the scanner on small snippets with a bad query each, so the scan cannot pass by
finding nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SKIPPED_FOLDERS = {"tests", "bench", "data", "node_modules", "__pycache__"}  # and every folder starting with "."
APPLICATION = ("app.py", "pages", "db", "loaders", "ui", "charts", "pack", "textfacts", "gazetteer")

# sqlalchemy callables whose argument is SQL text
SQL_TEXT_CALLABLES = {"text", "literal_column", "DDL"}
# methods whose first argument is a statement (a construct, or SQL text)
SQL_METHODS = {"execute", "executemany", "executescript", "exec_driver_sql", "read_sql", "read_sql_query"}
SQL_KEYWORDS = {"statement", "sql", "text", "sqltext", "query", "sql_query"}
SQLALCHEMY_SUBMODULES = {"sql", "schema", "engine", "dialects", "orm", "ext"}
# psycopg's sql.SQL("...").format(sql.Identifier(...)) quotes identifiers itself: composing it is the safe way
SAFE_FORMAT_RECEIVERS = {"SQL"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


def application_files(root: Path = REPO_ROOT) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(part in SKIPPED_FOLDERS or part.startswith(".") for part in parts[:-1]):
            continue
        found.append(path)
    return found


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str):
        self.path = path
        self.in_db = path.startswith("db/")
        self.findings: list[Finding] = []
        self.sqlalchemy_modules: set[str] = set()  # names bound to sqlalchemy or one of its submodules
        self.sql_callables: dict[str, str] = {}  # local name → sqlalchemy callable (text, literal_column, DDL)
        self.scopes: list[ast.AST] = []  # enclosing functions, innermost last

    # --- imports: which names are sqlalchemy's ------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "sqlalchemy" or alias.name.startswith("sqlalchemy."):
                self.sqlalchemy_modules.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module != "sqlalchemy" and not module.startswith("sqlalchemy."):
            return
        for alias in node.names:
            if alias.name in SQL_TEXT_CALLABLES:
                self.sql_callables[alias.asname or alias.name] = alias.name
                if alias.name == "text" and not self.in_db:
                    self._add(node, "imports sqlalchemy's text() outside db/: SQL lives in db/")
            elif alias.name in SQLALCHEMY_SUBMODULES:  # `from sqlalchemy import sql`, then sql.text(...)
                self.sqlalchemy_modules.add(alias.asname or alias.name)

    # --- scopes, for local variables ------------------------------------------------------------
    def visit_FunctionDef(self, node) -> None:
        self.scopes.append(node)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    # --- calls ----------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        kind = self._sink(node.func)
        if kind is not None:
            if kind == "text" and not self.in_db:
                self._add(node, "calls text() outside db/: SQL lives in db/ (a query function there)")
            statement = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg in SQL_KEYWORDS), None)
            if statement is not None:
                built = self._built_from_strings(statement, depth=0)
                if built:
                    self._add(node, f"SQL for {kind}() is {built}: bind values as parameters, use SQLAlchemy "
                                    "constructs for identifiers")
        self.generic_visit(node)

    def _sink(self, func: ast.AST) -> str | None:
        """The name of the SQL-taking callable `func` is, or None."""
        if isinstance(func, ast.Name):
            if func.id in self.sql_callables:
                return self.sql_callables[func.id]
            if func.id == "text":  # a bare text(...) is sqlalchemy's or looks like it: not outside db/
                return "text"
            return None
        if isinstance(func, ast.Attribute):
            if func.attr in SQL_METHODS:
                return func.attr
            if func.attr in SQL_TEXT_CALLABLES and self._root_name(func.value) in self.sqlalchemy_modules:
                return func.attr
        return None

    @staticmethod
    def _root_name(node: ast.AST) -> str | None:
        while isinstance(node, ast.Attribute):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    def _built_from_strings(self, node: ast.AST, depth: int) -> str | None:
        """What string-building `node` is (for the message), or None when it is not."""
        if isinstance(node, ast.JoinedStr):
            return "an f-string" if any(isinstance(v, ast.FormattedValue) for v in node.values) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return "a %-formatted string"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            leaves = self._added(node)
            if not all(isinstance(leaf, ast.Constant) for leaf in leaves):
                return "a string concatenation"
            return None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "format" and not self._safe_format_receiver(node.func.value):
                return "a .format() call"
            if node.func.attr == "join" and isinstance(node.func.value, ast.Constant):
                return "a str.join()"
        if isinstance(node, ast.IfExp):
            return self._built_from_strings(node.body, depth) or self._built_from_strings(node.orelse, depth)
        if isinstance(node, ast.Name) and depth < 3 and self.scopes:
            for value, line in self._local_assignments(node.id):
                built = self._built_from_strings(value, depth + 1)
                if built:
                    return f"the variable {node.id!r}, {built} (line {line})"
        return None

    def _added(self, node: ast.AST) -> list[ast.AST]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._added(node.left) + self._added(node.right)
        return [node]

    @staticmethod
    def _safe_format_receiver(node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            return name in SAFE_FORMAT_RECEIVERS
        return False

    def _local_assignments(self, name: str):
        """(value, line) of each assignment to `name` in the innermost enclosing function."""
        for node in ast.walk(self.scopes[-1]):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                yield node.value, node.lineno
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and getattr(node.target, "id", None) == name:
                if node.value is not None:
                    yield node.value, node.lineno
            elif isinstance(node, ast.AugAssign) and getattr(node.target, "id", None) == name:
                yield ast.BinOp(left=ast.Name(id=name), op=node.op, right=node.value), node.lineno

    def _add(self, node: ast.AST, problem: str) -> None:
        self.findings.append(Finding(self.path, node.lineno, problem))


def scan_source(source: str, path: str) -> list[Finding]:
    """The string-built SQL in one file's source; `path` is relative to the repository (db/... or not)."""
    scanner = _Scanner(path)
    scanner.visit(ast.parse(source, filename=path))
    return scanner.findings


def scan_application(root: Path = REPO_ROOT) -> list[Finding]:
    findings = []
    for path in application_files(root):
        findings += scan_source(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix())
    return findings


def test_the_scan_reads_every_part_of_the_application():
    scanned = {path.relative_to(REPO_ROOT).parts[0] for path in application_files()}
    assert set(APPLICATION) <= scanned, f"not scanned: {sorted(set(APPLICATION) - scanned)}"
    assert not scanned & {"tests", "bench", ".venv"}
    assert len(application_files()) > 50


def test_no_sql_is_built_from_strings():
    findings = scan_application()
    assert not findings, "SQL built from strings:\n" + "\n".join(map(str, findings))


# --- the scanner catches what it is for ------------------------------------------------------------

BAD = [
    ("db/q.py", "from sqlalchemy import text\n"
                "def q(conn, name):\n"
                "    return conn.execute(text(f\"SELECT * FROM place WHERE name_en = '{name}'\"))\n",
     "db/q.py:3: SQL for text() is an f-string"),
    ("db/q.py", "def q(cursor, name):\n"
                "    cursor.execute(\"SELECT * FROM place WHERE name_en = '%s'\" % name)\n",
     "db/q.py:2: SQL for execute() is a %-formatted string"),
    ("db/q.py", "def q(conn, table):\n"
                "    statement = 'DELETE FROM ' + table\n"
                "    conn.exec_driver_sql(statement)\n",
     "db/q.py:3: SQL for exec_driver_sql() is the variable 'statement', a string concatenation (line 2)"),
    ("db/q.py", "import sqlalchemy as sa\n"
                "def q(conn, column):\n"
                "    return conn.execute(sa.select(sa.literal_column('{}'.format(column))))\n",
     "db/q.py:3: SQL for literal_column() is a .format() call"),
    ("db/q.py", "def q(conn, days):\n"
                "    sql = 'SELECT 1'\n"
                "    sql += f' WHERE days > {days}'\n"
                "    conn.executescript(sql)\n",
     "db/q.py:4: SQL for executescript() is the variable 'sql', a string concatenation (line 3)"),
    ("ui/page.py", "import streamlit as st\n"
                   "from sqlalchemy import text\n"
                   "def q(conn):\n"
                   "    st.text('fine: streamlit')\n"
                   "    return conn.execute(text('SELECT 1'))\n",
     "ui/page.py:2: imports sqlalchemy's text() outside db/"),
    ("db/q.py", "from sqlalchemy import sql as expression\n"
                "def q(conn, where):\n"
                "    return conn.execute(expression.text(f'SELECT * FROM place WHERE {where}'))\n",
     "db/q.py:3: SQL for text() is an f-string"),
    ("pages/1_X.py", "import sqlalchemy\n"
                     "rows = engine.connect().execute(sqlalchemy.text('SELECT 1'))\n",
     "pages/1_X.py:2: calls text() outside db/"),
]


@pytest.mark.parametrize("path,source,expected", BAD, ids=[b[2].split(": ", 1)[1][:40] for b in BAD])
def test_the_scanner_finds_string_built_sql(path, source, expected):
    findings = [str(f) for f in scan_source(source, path)]
    assert any(f.startswith(expected) for f in findings), findings


def test_the_scanner_leaves_constructs_and_literal_sql_alone():
    source = (
        "import streamlit as st\n"
        "from sqlalchemy import select, text\n"
        "from psycopg import sql\n"
        "BUSY = 'PRAGMA busy_timeout'\n"
        "def q(conn, cursor, table, name, columns):\n"
        "    conn.exec_driver_sql('PRAGMA foreign_keys=ON')\n"
        "    conn.exec_driver_sql(BUSY)\n"
        "    conn.execute(text('SELECT * FROM place WHERE name_en = :name'), {'name': name})\n"
        "    conn.execute(select(table).where(table.c.name_en == name))\n"
        "    statement = str(table.insert().compile())\n"
        "    conn.exec_driver_sql(statement, [(1,)])\n"
        "    cursor.copy(sql.SQL('COPY {} FROM STDIN').format(sql.Identifier(table.name)))\n"
        "    cursor.execute(sql.SQL('SELECT {}').format(sql.Identifier(columns[0])))\n"
        "    conn.execute(text('SELECT 1 ' + 'FROM place'))\n"
        "    st.text(f'{name} is shown as text')\n"
    )
    assert scan_source(source, "db/q.py") == []
