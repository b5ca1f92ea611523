package web

import "github.com/dlv-tasks/dlv-tasks/model"

// TopSamples returns the samples the Top page keeps, oldest first.
func (s *Server) TopSamples() []model.Sample {
	s.topMu.Lock()
	defer s.topMu.Unlock()
	return s.series.Samples()
}
