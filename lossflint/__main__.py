from lossflint.cli import main

if __name__ == "__main__":
    main()
