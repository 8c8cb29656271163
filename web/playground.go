package web

import (
	"sync"

	"miniauth/views"
)

// playgrounds keeps each operator's playground state on the server: the simulated
// person, the tokens and bind ticket the calls returned (never rendered), and the steps.
type playgrounds struct {
	mu sync.Mutex
	by map[int64]*playground // by operator id
}

type playground struct {
	simUser      string
	token        string
	refreshToken string
	ticket       string
	steps        []views.PlaygroundStep
}

func newPlaygrounds() *playgrounds { return &playgrounds{by: map[int64]*playground{}} }
