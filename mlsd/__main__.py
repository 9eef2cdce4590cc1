from mlsd.cli import main

main()
