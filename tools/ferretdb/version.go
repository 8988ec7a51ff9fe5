package main

// ferretDBVersion must match the FerretDB requirement in go.mod; the provisioning step
// compares it with the version it expects before trusting a cached binary.
const ferretDBVersion = "v1.24.2"

// wrapperRevision changes whenever this wrapper's behaviour changes, or the patches
// applied to FerretDB's source (src/infra/ferretdb-patch.ts), so a binary cached by an
// older revision is rebuilt rather than trusted.
const wrapperRevision = "itinera.9"
