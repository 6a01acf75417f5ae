"""Known errors: problems seen before, their workaround, the incidents they explain, and
telling those incidents' reporters when the problem is fixed."""
