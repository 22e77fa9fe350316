from cowin_kit.cli import cli

cli(prog_name="cowin-kit")
