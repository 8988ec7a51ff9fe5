package main

// ferretDBVersion must match the FerretDB requirement in go.mod; the provisioning step
// compares it with the version it expects before trusting a cached binary.
const ferretDBVersion = "v1.24.2"
