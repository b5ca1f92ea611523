package dlvclient

import (
	"fmt"

	"github.com/go-delve/delve/pkg/goversion"
	"github.com/go-delve/delve/pkg/version"
)

// DelveVersion is the version of the Delve embedded in this binary
// ("1.27.2").
func DelveVersion() string {
	v := version.DelveVersion
	s := fmt.Sprintf("%s.%s.%s", v.Major, v.Minor, v.Patch)
	if v.Metadata != "" {
		s += "-" + v.Metadata
	}
	return s
}

// SupportedGo is the range of Go releases whose binaries the embedded Delve
// reads, as Delve itself checks it ("1.25", "1.27").
func SupportedGo() (oldest, newest string) {
	return fmt.Sprintf("%d.%d", goversion.MinSupportedVersionOfGoMajor, goversion.MinSupportedVersionOfGoMinor),
		fmt.Sprintf("%d.%d", goversion.MaxSupportedVersionOfGoMajor, goversion.MaxSupportedVersionOfGoMinor)
}
