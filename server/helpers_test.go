package main

import "os"

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "numberd-bin-") }
