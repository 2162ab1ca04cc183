"""Command line: ``python -m nnunsup demo [SECTION …] --out DIR`` and
``python -m nnunsup homework list | make --out DIR [EXERCISE …] [--notebook PATH …] | grade DIR``.
"""
import argparse
import sys

from .demos import SECTIONS, run_demos


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnunsup",
                                     description="nnunsup: lecture demos of neural networks "
                                                 "for unsupervised learning")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run lecture demos, write figures and a report")
    demo.add_argument("sections", nargs="*", default=["all"],
                      help=f"which demos: {', '.join(SECTIONS)} or all (default)")
    demo.add_argument("--out", default="demo-output", help="output folder (default demo-output)")
    demo.add_argument("--full", action="store_true",
                      help="train longer on more data (the default is a fast run)")
    demo.add_argument("--data", default=None,
                      help="folder with the real datasets (mnist/, fashion-mnist/, house-votes-84/)")
    demo.add_argument("--no-download", action="store_true",
                      help="never download; fall back to synthetic data when files are missing")
    demo.add_argument("--seed", type=int, default=0)
    _add_homework(commands)
    args = parser.parse_args(argv)
    if args.command == "homework":
        return _homework(parser, args)
    unknown = [name for name in args.sections if name not in SECTIONS and name != "all"]
    if unknown:
        parser.error(f"unknown demo {unknown[0]!r}; choose from {', '.join(SECTIONS)} or all")
    report = run_demos(args.sections, out=args.out, fast=not args.full, data=args.data,
                       download=not args.no_download, seed=args.seed)
    print(f"report written to {report}")
    return 0


def _add_homework(commands):
    """The ``homework`` subcommand: list, make and grade exercises (docs/homework.md)."""
    homework = commands.add_parser("homework", help="homework templates from the library's "
                                                    "formulas, and their autograder")
    actions = homework.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list the exercises: name, formula ID, points, where")
    make = actions.add_parser("make", help="write a student version with exercises stubbed")
    make.add_argument("exercises", nargs="*", metavar="EXERCISE",
                      help="exercises to stub (default: all; see `homework list`)")
    make.add_argument("--out", required=True, help="a new or empty output folder")
    make.add_argument("--notebook", action="append", default=[], metavar="PATH",
                      help="a notebook whose marked cells are stubbed too (repeatable)")
    make.add_argument("--source", default=None, metavar="DIR",
                      help="the project checkout to copy (default: the one nnunsup runs from)")
    grade = actions.add_parser("grade", help="run the grading tests on a student's folder")
    grade.add_argument("folder", help="a folder written by `homework make`")
    grade.add_argument("--timeout", type=float, default=600,
                       help="seconds before the run is abandoned (default 600)")


def _homework(parser, args):
    from . import homework

    try:
        if args.action == "list":
            for e in homework.EXERCISES:
                points = f"{e.points} point{'s' * (e.points != 1)}"
                print(f"{e.name:26} {e.label:10} {points:9} {e.file}: {e.function}")
                print(f"{'':26} {e.task}")
        elif args.action == "make":
            manifest = homework.make(args.out, args.exercises or None, args.notebook,
                                     source=args.source)
            names = ", ".join(e["name"] for e in manifest["exercises"])
            print(f"wrote {args.out}: {names} ({manifest['points']} points); "
                  f"see {args.out}/{homework.SHEET}")
        else:
            homework.grade(args.folder, timeout=args.timeout)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        parser.exit(2, f"error: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
