using System;
using System.Collections.Generic;
using System.Data;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Pgsql.Driver;

namespace Orders.Service;

public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

public sealed record Order(int Id, string Customer, string Status, IReadOnlyList<OrderLine> Lines)
{
    public decimal Total
    {
        get
        {
            var total = 0m;
            foreach (var line in Lines)
            {
                total += line.Quantity * line.UnitPrice;
            }

            return total;
        }
    }
}

public sealed record OrderSummary(int Id, string Status, decimal Total, int Lines);

public sealed record CatalogSeed(IReadOnlyList<string> Skus)
{
    public static CatalogSeed Empty { get; } = new(Array.Empty<string>());
}

internal static class StartupLog
{
    public static void LogStartup(this ILogger logger, string message) => logger.LogInformation("Startup: {Message}", message);
}

/// <summary>Data access over the driver's async API.</summary>
public sealed class OrderRepository
{
    private readonly string connectionString;

    public OrderRepository(string connectionString) => this.connectionString = connectionString;

    public async Task<Order?> GetAsync(int id, CancellationToken cancellationToken)
    {
        await using var connection = new PgConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand("SELECT id, customer, status FROM orders WHERE id = @id");
        command.Parameters.Add(new PgParameter("id", id));
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var customer = reader.GetString(1);
        var status = reader.GetString(2);
        var lines = await GetLinesAsync(connection, id, cancellationToken).ConfigureAwait(false);
        return new Order(id, customer, status, lines);
    }

    private static async Task<IReadOnlyList<OrderLine>> GetLinesAsync(PgConnection connection, int orderId, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand("SELECT sku, quantity, unit_price FROM order_lines WHERE order_id = @id");
        command.Parameters.Add(new PgParameter("id", orderId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var lines = new List<OrderLine>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lines.Add(new OrderLine(reader.GetString(0), reader.GetInt32(1), reader.GetFieldValue<decimal>(2)));
        }

        return lines;
    }

    public async Task<OrderSummary?> GetSummaryAsync(int id, CancellationToken cancellationToken)
    {
        var order = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        return order is null ? null : new OrderSummary(order.Id, order.Status, order.Total, order.Lines.Count);
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = new PgConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand("SELECT count(*) FROM orders");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<int> CreateAsync(string customer, IReadOnlyList<OrderLine> lines, CancellationToken cancellationToken)
    {
        await using var connection = new PgConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        using var insert = connection.CreateCommand("INSERT INTO orders (customer, status) VALUES (@customer, 'new') RETURNING id");
        insert.Parameters.Add(new PgParameter("customer", customer));
        var id = Convert.ToInt32(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);

        var inserts = new List<Task<int>>();
        foreach (var line in lines)
        {
            var command = connection.CreateCommand("INSERT INTO order_lines (order_id, sku, quantity, unit_price) VALUES (@order, @sku, @quantity, @price)");
            command.Parameters.Add(new PgParameter("order", id));
            command.Parameters.Add(new PgParameter("sku", line.Sku));
            command.Parameters.Add(new PgParameter("quantity", line.Quantity));
            command.Parameters.Add(new PgParameter("price", line.UnitPrice));
            inserts.Add(command.ExecuteNonQueryAsync(cancellationToken));
        }

        await Task.WhenAll(inserts).ConfigureAwait(false);
        var inserted = 0;
        foreach (var done in inserts)
        {
            inserted += done.Result;
        }

        Debug.Assert(inserted == lines.Count);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>A synchronous lookup kept for the CSV export, which runs on its own thread; it uses the driver's sync API.</summary>
    public string? GetStatus(int id)
    {
        using var connection = new PgConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand("SELECT status FROM orders WHERE id = @id");
        command.Parameters.Add(new PgParameter("id", id));
        return command.ExecuteScalar() as string;
    }
}

/// <summary>Applies pending schema migrations at startup.</summary>
public sealed class SchemaMigrator
{
    private readonly OrderRepository repository;
    private readonly ILogger<SchemaMigrator> logger;

    public SchemaMigrator(OrderRepository repository, ILogger<SchemaMigrator> logger)
    {
        this.repository = repository;
        this.logger = logger;
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var existing = await repository.CountAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Schema ready, {Count} orders", existing);
    }
}
