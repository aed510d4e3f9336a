using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Cache.Client;
using Orders.Service;
using Pgsql.Driver;
using Xunit;

namespace Orders.Service.Tests;

/// <summary>Integration-style tests. Test code blocks freely: no request is waiting behind it.</summary>
public sealed class OrdersApiTests : IDisposable
{
    private readonly OrderRepository repository;
    private readonly Multiplexer cache;

    public OrdersApiTests()
    {
        repository = new OrderRepository(Environment.GetEnvironmentVariable("ORDERS_DB") ?? "Host=localhost;Database=orders_test");
        cache = Multiplexer.ConnectAsync("localhost:6379,abortConnect=false").GetAwaiter().GetResult();
    }

    [Fact]
    public void Created_order_can_be_read_back()
    {
        var id = repository.CreateAsync("alice", new[] { new OrderLine("sku-1", 2, 9.5m) }, CancellationToken.None).Result;
        var order = repository.GetAsync(id, CancellationToken.None).Result;
        Assert.NotNull(order);
        Assert.Equal(19m, order!.Total);
    }

    [Fact]
    public void Summary_counts_lines()
    {
        var id = CreateOrder("bob", 3);
        var summary = repository.GetSummaryAsync(id, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal(3, summary!.Lines);
    }

    [Theory]
    [InlineData("order:1")]
    [InlineData("order:2")]
    public void Cache_round_trips(string key)
    {
        var database = cache.GetDatabase();
        Assert.True(database.StringSetAsync(key, "value").Result);
        Assert.Equal("value", database.StringGetAsync(key).AsTask().Result);
    }

    [Fact]
    public async Task Concurrent_creates_get_distinct_ids()
    {
        var creates = Enumerable.Range(0, 8)
            .Select(i => repository.CreateAsync("customer-" + i, new[] { new OrderLine("sku-" + i, 1, 1m) }, CancellationToken.None))
            .ToList();
        await Task.WhenAll(creates);
        Assert.Equal(creates.Count, creates.Select(create => create.Result).Distinct().Count());
    }

    [Fact]
    public void Sync_and_async_counts_agree()
    {
        var asyncCount = repository.CountAsync(CancellationToken.None).Result;
        using var connection = new PgConnection(Environment.GetEnvironmentVariable("ORDERS_DB") ?? "Host=localhost;Database=orders_test");
        connection.Open();
        using var command = connection.CreateCommand("SELECT count(*) FROM orders");
        Assert.Equal(asyncCount, Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Helper for the tests above; it lives in the test class and runs only under the test runner.</summary>
    private int CreateOrder(string customer, int lines)
    {
        var orderLines = Enumerable.Range(0, lines).Select(i => new OrderLine("sku-" + i, 1, 1m)).ToList();
        return repository.CreateAsync(customer, orderLines, CancellationToken.None).GetAwaiter().GetResult();
    }

    public void Dispose() => cache.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
