/* The Order ticket's Place button: disabled with the reason why, and the seconds left on the
 * confirmation. `state` comes from the server after a preview: {ref, why, ttl_s}; the deadline
 * is taken in this browser's clock when a new preview arrives (one second early, so the page
 * never offers a click the server would refuse as expired). Served from assets/ so the
 * Content-Security-Policy ('self') admits it. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  ticket: {
    placeState: function (state, confirmed, _tick, deadline) {
      const idle = [true, "Preview first", "", null, true];
      if (!state) {
        return idle;
      }
      if (state.why) {
        return [true, state.why, "", null, true];
      }
      if (!deadline || deadline.ref !== state.ref) {
        deadline = { ref: state.ref, at: Date.now() + (state.ttl_s - 1) * 1000 };
      }
      const left = Math.ceil((deadline.at - Date.now()) / 1000);
      if (left <= 0) {
        return [true, "The confirmation expired: preview again", "Confirmation expired", deadline, true];
      }
      const countdown = "Confirm within " + left + " s";
      if (!confirmed) {
        return [true, "Confirm the order", countdown, deadline, false];
      }
      return [false, "", countdown, deadline, false];
    },
  },
});
