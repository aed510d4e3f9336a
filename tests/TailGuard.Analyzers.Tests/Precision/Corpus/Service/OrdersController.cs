using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Cache.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Orders.Service;

public sealed record CreateOrderRequest(string Customer, IReadOnlyList<OrderLine> Lines);

public sealed record OrderView(int Id, string Customer, string Status, decimal Total, IReadOnlyList<ProductView> Products);

[ApiController]
[Route("api/orders")]
public sealed class OrdersController : ControllerBase
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly OrderRepository orders;
    private readonly CatalogClient catalog;
    private readonly Multiplexer cache;
    private readonly ILogger<OrdersController> logger;

    public OrdersController(OrderRepository orders, CatalogClient catalog, Multiplexer cache, ILogger<OrdersController> logger)
    {
        this.orders = orders;
        this.catalog = catalog;
        this.cache = cache;
        this.logger = logger;
    }

    [HttpGet("{id:int}")]
    public async Task<ActionResult<OrderView>> Get(int id, CancellationToken cancellationToken)
    {
        var database = cache.GetDatabase();
        var cached = await database.StringGetAsync("order:" + id, cancellationToken);
        if (cached is not null)
        {
            return JsonSerializer.Deserialize<OrderView>(cached, Json)!;
        }

        var order = await orders.GetAsync(id, cancellationToken);
        if (order is null)
        {
            return NotFound();
        }

        // Product lookups run concurrently; their results are read once all of them have completed.
        var lookups = order.Lines.Select(line => catalog.GetProductAsync(line.Sku, cancellationToken).AsTask()).ToArray();
        await Task.WhenAll(lookups);
        var products = lookups.Select(lookup => lookup.Result).OfType<ProductView>().ToList();

        var view = new OrderView(order.Id, order.Customer, order.Status, order.Total, products);
        await database.StringSetAsync("order:" + id, JsonSerializer.Serialize(view, Json), TimeSpan.FromMinutes(1), cancellationToken);
        return view;
    }

    [HttpGet("{id:int}/price")]
    public ActionResult<decimal> GetPrice(int id, string sku)
    {
        // Written as a quick synchronous action: it blocks the request thread on an HTTP call to the catalog.
        var product = catalog.GetProductAsync(sku, HttpContext.RequestAborted).AsTask().Result; // expect: TG1001
        if (product is null)
        {
            return NotFound();
        }

        logger.LogDebug("Price of {Sku} for order {Order}", sku, id);
        return product.Price;
    }

    [HttpGet("{id:int}/status")]
    public async Task<ActionResult<string>> GetStatus(int id, CancellationToken cancellationToken)
    {
        var fromCache = cache.GetDatabase().StringGetNearAsync("order-status:" + id, cancellationToken);
        if (fromCache.IsCompletedSuccessfully && fromCache.Result is { } status)
        {
            return status;
        }

        var summary = await orders.GetSummaryAsync(id, cancellationToken);
        return summary is null ? NotFound() : summary.Status;
    }

    [HttpPost]
    public async Task<IActionResult> Create(CreateOrderRequest request, CancellationToken cancellationToken)
    {
        if (request.Lines.Count == 0)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                [nameof(request.Lines)] = new[] { "An order needs at least one line." },
            }));
        }

        var availability = request.Lines.Select(line => catalog.IsAvailableAsync(line.Sku, cancellationToken)).ToList();
        await Task.WhenAll(availability);
        var unavailable = request.Lines.Where((line, index) => !availability[index].Result).Select(line => line.Sku).ToList();
        if (unavailable.Count > 0)
        {
            return Conflict(new { unavailable });
        }

        var id = await orders.CreateAsync(request.Customer, request.Lines, cancellationToken);
        await cache.GetDatabase().KeyDeleteAsync("orders:recent");
        return CreatedAtAction(nameof(Get), new { id }, new { id });
    }

    /// <summary>Explains a failed dependency; the member name is only text here.</summary>
    [HttpGet("diagnostics/result-member")]
    public IActionResult ResultMember()
        => Ok(new { member = nameof(Task<int>.Result), hint = "awaited, never read synchronously" });

    [HttpGet("recent")]
    public async Task<IActionResult> Recent(CancellationToken cancellationToken)
    {
        var database = cache.GetDatabase();
        var ids = await database.HashGetAllAsync("orders:recent");
        var summaries = await Task.WhenAll(ids.Keys.Select(key => orders.GetSummaryAsync(int.Parse(key, System.Globalization.CultureInfo.InvariantCulture), cancellationToken)));
        return Ok(summaries.Where(summary => summary is not null));
    }

    [HttpGet("export/{id:int}")]
    public IActionResult Export(int id)
    {
        // The driver's synchronous API: sync I/O on a sync action, by design of the export path.
        var status = orders.GetStatus(id);
        return status is null ? NotFound() : Content(id + "," + status, "text/csv");
    }
}
