package privacy

import "testing"

func TestMaskPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"13812345678", "138****5678"},
		{"+8613812345678", "+86138****5678"},
		{"12345", "***45"},
		{"1234", "****"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := MaskPhone(tc.in); got != tc.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
