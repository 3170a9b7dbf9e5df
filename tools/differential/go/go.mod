module nodeid.dev/differential

go 1.19
