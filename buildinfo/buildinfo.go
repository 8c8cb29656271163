// Package buildinfo tells which miniauth this is: the module version, the VCS revision it
// was built from and the Go version, as the Go toolchain recorded them in the binary.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Info describes the running binary.
type Info struct {
	Version   string // the main module's version, or "devel" for a build from a work tree
	Revision  string // the VCS revision, or "unknown" when the build did not record one
	Modified  bool   // the work tree had uncommitted changes
	GoVersion string
}

// Read returns the binary's build information.
func Read() Info {
	i := Info{Version: "devel", Revision: "unknown", GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return i
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		i.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			i.Revision = s.Value
		case "vcs.modified":
			i.Modified = s.Value == "true"
		}
	}
	return i
}

// String is the one line `miniauth version` prints.
func (i Info) String() string {
	s := "miniauth " + i.Version + " revision " + i.Revision
	if i.Modified {
		s += " (modified)"
	}
	return s + " " + i.GoVersion
}
