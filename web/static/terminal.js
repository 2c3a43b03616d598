/* What the browser terminals share (templates/kiosk/kiosk.html, templates/evaluator/evaluator.html).
 *
 * hallClock(root, weekdays): the hall's wall clock, run on the server's time (root's
 * data-server-ms) in the hall's time zone (data-utc-offset, minutes), whatever the
 * terminal's own clock and zone say. now() gives its date, time, weekday, and the stamp
 * "YYYY-MM-DDTHH:MM:SS" in which the server takes hall-local times; show(time, date)
 * keeps two elements showing it.
 */
window.hallClock = function (root, weekdays) {
  "use strict";

  var skew = Number(root.getAttribute("data-server-ms")) - Date.now();
  var offset = Number(root.getAttribute("data-utc-offset")) * 60000;

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function now() {
    // Shifted by the hall's offset and read with the UTC getters: the hall's wall clock.
    var local = new Date(Date.now() + skew + offset);
    var date = local.getUTCFullYear() + "-" + pad(local.getUTCMonth() + 1) + "-" + pad(local.getUTCDate());
    var time = pad(local.getUTCHours()) + ":" + pad(local.getUTCMinutes()) + ":" + pad(local.getUTCSeconds());
    return { date: date, time: time, stamp: date + "T" + time, weekday: weekdays[(local.getUTCDay() + 6) % 7] };
  }

  function show(timeElement, dateElement) {
    function tick() {
      var current = now();
      timeElement.textContent = current.time;
      dateElement.textContent = current.date + " " + current.weekday;
    }
    tick();
    setInterval(tick, 500);
  }

  return { now: now, show: show };
};
