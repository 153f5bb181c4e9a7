#!/usr/bin/env python3
"""Regenerates the conformance table in lifecycle/README.md: every Cloud Foundry
test case ported in Tests/LifecycleTests/CF*Tests.swift, the Swift test that
mirrors it, and its status in a `swift test` log.

    swift test --skip-build --filter LifecycleTests 2>&1 | tee /tmp/lc-test.log
    python3 lifecycle/tools/conformance.py /tmp/lc-test.log

A case is "pass" when the log has Swift Testing's "✔ Test <name> ... passed"
line for its test (every argument, i.e. both architectures, passed), "FAIL"
when it has a failure line, "not run" otherwise."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
TESTS = ROOT / "Tests/LifecycleTests"
README = ROOT / "lifecycle/README.md"
BEGIN, END = "<!-- conformance:begin -->", "<!-- conformance:end -->"

SOURCES = {  # suite file -> CF file
    "CFBuilderTests.swift": "builder/builder_test.go",
    "CFRunnerTests.swift": "buildpackrunner/runner_test.go",
    "CFLauncherTests.swift": "launcher/launcher_test.go",
    "CFShellTests.swift": "shell/shell_test.go",
    "HealthcheckTests.swift": "healthcheck cmd/healthcheck/healthcheck_test.go",
}


def cases():
    for file, cf in SOURCES.items():
        text = (TESTS / file).read_text()
        if file == "HealthcheckTests.swift":  # only the CF suite in that file
            text = text[text.index('@Suite("CF healthcheck_test.go")'):text.index('@Suite("healthcheck")')]
        suite = re.search(r'@Suite\("([^"]+)"\)', text).group(1)
        for m in re.finditer(r'@Test\("((?:[^"\\]|\\.)*)"(?:,[^)]*)?\)\s*\n\s*func (\w+)', text):
            name, func = m.group(1), m.group(2)
            if func == "rightEnvironment":  # one Swift test for CF's shared group in three contexts
                contexts = re.findall(r'case \w+ = "([^"]+)"', text[text.index("enum LauncherContext"):text.index("enum LauncherCheck")])
                checks = re.findall(r'case \w+ = "([^"]+)"', text[text.index("enum LauncherCheck"):text.index("struct LauncherCase")])
                for c in contexts:
                    for k in checks:
                        yield cf, f"{c} / {k}", f"{suite} / {name} ({func})", name
            else:
                yield cf, name, f"{suite} / {func}", name


def status(log, name):
    if log is None:
        return "not run"
    quoted = re.escape(f'"{name}"')
    if re.search(r"✘ Test " + quoted, log):
        return "FAIL"
    if re.search(r"✔ Test " + quoted + r".* passed", log):
        return "pass"
    return "not run"


def main():
    log = pathlib.Path(sys.argv[1]).read_text(errors="replace") if len(sys.argv) > 1 else None
    rows = ["| CF case (file: Ginkgo path / It) | Pipette test (suite / function) | status |", "|---|---|---|"]
    counts = {}
    for cf, case, test, name in cases():
        st = status(log, name)
        counts[(cf, st)] = counts.get((cf, st), 0) + 1
        rows.append(f"| `{cf}`: {case} | {test} | {st} |".replace("\\\"", "\""))
    summary = ", ".join(f"{cf}: " + " / ".join(f"{n} {st}" for (c, st), n in sorted(counts.items()) if c == cf)
                        for cf in SOURCES.values())
    block = "\n".join([BEGIN, "", f"Totals (x86_64 and aarch64): {summary}.", ""] + rows + ["", END])
    readme = README.read_text()
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    README.write_text(readme[:start] + block + readme[end:])
    print(block.splitlines()[2])


if __name__ == "__main__":
    main()
