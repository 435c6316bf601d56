package usernetctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/usernet"
)

// DefaultIdleTimeout is how long the process outlives the last VM that
// used it. Long enough for `docker-machine restart`, a re-create, or a
// stop and start of a few machines in turn to find it (and its DHCP
// leases and forwards) still there; short enough that an unused network
// does not linger for the rest of the day.
const DefaultIdleTimeout = 10 * time.Minute

// maxConfigSize bounds network.json: it holds a few short fields.
const maxConfigSize = 4 << 10

// Config is network.json: the network the process serves.
type Config struct {
	// Subnet is the network's subnet (usernet.DefaultSubnet when zero).
	Subnet netip.Prefix `json:"subnet"`
	// MTU is the guests' MTU (usernet.DefaultMTU when 0).
	MTU int `json:"mtu,omitempty"`
	// IdleTimeout is how long the process runs with no VM connected
	// (DefaultIdleTimeout when 0); tests shorten it.
	IdleTimeout Duration `json:"idle_timeout,omitempty"`
}

// WithDefaults returns c with its zero fields filled in.
func (c Config) WithDefaults() Config {
	if !c.Subnet.IsValid() {
		c.Subnet = netip.MustParsePrefix(usernet.DefaultSubnet)
	}
	if c.MTU == 0 {
		c.MTU = usernet.DefaultMTU
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = Duration(DefaultIdleTimeout)
	}
	return c
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if err := c.Network().Validate(); err != nil {
		return err
	}
	if c.IdleTimeout < 0 {
		return fmt.Errorf("usernet idle timeout %s is negative: use a positive duration such as %s", time.Duration(c.IdleTimeout), DefaultIdleTimeout)
	}
	return nil
}

// Network is the usernet.Config c describes.
func (c Config) Network() usernet.Config {
	return usernet.Config{Subnet: c.Subnet, MTU: c.MTU}
}

// ParseConfig reads network.json, with defaults filled in, and validates it.
func ParseConfig(r io.Reader) (Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigSize+1))
	if err != nil {
		return Config{}, err
	}
	if len(data) > maxConfigSize {
		return Config{}, fmt.Errorf("more than %d bytes", maxConfigSize)
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c.WithDefaults(), nil
}

// Duration is a time.Duration written as Go writes one ("10m0s").
type Duration time.Duration

// MarshalText writes d as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what time.ParseDuration accepts.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return errors.New("idle_timeout: want a duration such as \"10m\"")
	}
	*d = Duration(v)
	return nil
}

// marshalConfig writes cfg as network.json.
func marshalConfig(cfg Config) ([]byte, error) {
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode usernet config: %w", err)
	}
	return append(data, '\n'), nil
}
