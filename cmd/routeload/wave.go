package main

import "time"

// wave is the shape of traffic over time. Most of the time only the regular
// conversations talk: a working set that fits in the cache, so routes live
// out their TTL and expire. Every period a burst of new conversations
// arrives (a broadcast, a bot joining many rooms, a morning peak): half of
// a burst's draws are uniform over the whole population, which pushes the
// cache past its capacity, so routes are evicted. Both happen whatever
// the machine's speed: the regulars' rate of new routes is bounded by their
// number per TTL, and a burst brings far more new conversations than the
// cache holds.
//
// The zero wave has no bursts: every draw follows the Zipf popularity of the
// whole population.
type wave struct {
	every  time.Duration // period of the bursts; 0: no bursts
	length time.Duration // how long each burst lasts, from the start of its period
}

// bursting reports whether the traffic is in a burst at elapsed time into
// the run. The run starts with a burst.
func (w wave) bursting(elapsed time.Duration) bool {
	return w.every > 0 && elapsed%w.every < w.length
}

// burstTime returns how much of the span [from, to) of the run lies in a
// burst.
func (w wave) burstTime(from, to time.Duration) time.Duration {
	if w.every <= 0 || to <= from {
		return 0
	}
	var total time.Duration
	for period := from - from%w.every; period < to; period += w.every {
		total += max(0, min(to, period+w.length)-max(from, period))
	}
	return total
}
