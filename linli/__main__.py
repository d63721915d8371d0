"""`python3 -m linli …` is the `linli` command."""

from linli.cli import main

if __name__ == "__main__":
    main()
