package usernetd

import (
	"io"
	"log"
	"strings"

	"github.com/sirupsen/logrus"
)

// setupLogging sends every log of the process to w: its own (the standard
// logger, which tcpproxy also uses for failed forwarded connections) and
// gvisor-tap-vsock's (logrus), at warnings and above.
func setupLogging(w io.Writer) {
	log.SetOutput(w)
	log.SetFlags(log.LstdFlags | log.LUTC)
	logrus.SetOutput(w)
	logrus.SetLevel(logrus.WarnLevel)
	logrus.SetFormatter(quietFormatter{&logrus.TextFormatter{DisableColors: true, FullTimestamp: true}})
}

// quietFormatter drops the error gvisor-tap-vsock logs for every ended
// connection, a VM's normal stop included: usernet reports each
// disconnect, with its cause, itself.
type quietFormatter struct{ logrus.Formatter }

// Format formats e, or nothing for a disconnect.
func (f quietFormatter) Format(e *logrus.Entry) ([]byte, error) {
	if strings.HasPrefix(e.Message, "cannot receive packets from ") {
		return nil, nil
	}
	return f.Formatter.Format(e)
}
