/* The Journal card's table asks the server for its rows one page at a time (AG Grid's infinite
 * row model). When the journal or a filter changes, the cached pages are dropped so the grid
 * asks again with the current filters; a filter change also goes back to the first page.
 * Served from assets/ like every page script, so the Content-Security-Policy ('self') admits it.
 * Each function's last argument is the grid's id. */
function journalGrid(args) {
  return dash_ag_grid.getApiAsync(args[args.length - 1]);
}

window.dash_clientside = Object.assign({}, window.dash_clientside, {
  cockpit: {
    reloadJournalRows: function () {
      journalGrid(arguments).then(function (api) {
        api.purgeInfiniteCache();
      });
    },
    filterJournalRows: function () {
      journalGrid(arguments).then(function (api) {
        api.purgeInfiniteCache();
        api.paginationGoToFirstPage();
      });
    },
  },
});
