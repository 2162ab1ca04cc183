"""Command line: ``python -m nnunsup demo [SECTION …] --out DIR``."""
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
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS and name != "all"]
    if unknown:
        parser.error(f"unknown demo {unknown[0]!r}; choose from {', '.join(SECTIONS)} or all")
    report = run_demos(args.sections, out=args.out, fast=not args.full, data=args.data,
                       download=not args.no_download, seed=args.seed)
    print(f"report written to {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
