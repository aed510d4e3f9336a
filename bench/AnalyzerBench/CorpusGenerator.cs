using System.Globalization;
using System.Text;

namespace TailGuard.AnalyzerBench;

/// <summary>One generated source file.</summary>
internal sealed record CorpusFile(string Path, string Text)
{
    public int Lines { get; } = Text.Count(c => c == '\n');
}

/// <summary>
/// Generates a deterministic corpus of async service code, the kind TailGuard is meant for: per domain entity a model and
/// mapping, a DbConnection repository, an HttpClient API client with retries, an IMemoryCache cache, an ASP.NET Core
/// controller, a BackgroundService fed by a channel, and a service that orchestrates them. About one file in four also
/// carries one of the patterns TailGuard reports, as real code bases do.
/// </summary>
internal static class CorpusGenerator
{
    private static readonly string[] Domains =
    [
        "Billing", "Catalog", "Shipping", "Identity", "Inventory", "Pricing", "Search", "Reviews", "Loyalty", "Payments",
    ];

    private static readonly string[] Nouns =
    [
        "Order", "Customer", "Invoice", "Product", "Shipment", "Account", "Coupon", "Basket", "Refund", "Warehouse",
        "Supplier", "Ticket", "Report", "Subscription",
    ];

    private static readonly string[] ExtraFields = ["Region", "Channel", "Owner", "Currency", "Segment", "Source", "Tag", "Batch"];

    public static IReadOnlyList<CorpusFile> Generate(int minimumLines, int seed = 20261126)
    {
        var random = new Random(seed);
        var files = new List<CorpusFile> { new("Common.cs", Common) };
        var lines = files[0].Lines;
        for (var round = 0; lines < minimumLines; round++)
        {
            foreach (var domain in Domains)
            {
                foreach (var noun in Nouns)
                {
                    if (lines >= minimumLines)
                    {
                        break;
                    }

                    var ns = "Shop." + domain + (round == 0 ? string.Empty : round.ToString(CultureInfo.InvariantCulture));
                    var entity = new Entity(ns, noun, domain.ToLowerInvariant() + "_" + noun.ToLowerInvariant(), random);
                    foreach (var file in EntityFiles(entity, random))
                    {
                        files.Add(file);
                        lines += file.Lines;
                    }
                }
            }
        }

        return files;
    }

    private sealed class Entity(string ns, string name, string table, Random random)
    {
        public string Namespace { get; } = ns;

        public string Name { get; } = name;

        public string Table { get; } = table;

        public string Route { get; } = ns.ToLowerInvariant().Replace('.', '/') + "/" + name.ToLowerInvariant() + "s";

        public string[] Filters { get; } = ExtraFields.OrderBy(_ => random.Next()).Take(random.Next(2, 6)).ToArray();

        public string Folder => Namespace.Replace('.', '/') + "/" + Name;
    }

    private static IEnumerable<CorpusFile> EntityFiles(Entity e, Random random)
    {
        yield return new(e.Folder + "/" + e.Name + ".cs", Model(e));
        yield return new(e.Folder + "/" + e.Name + "Repository.cs", Repository(e, Smell(random, SmellSite.Repository)));
        yield return new(e.Folder + "/" + e.Name + "ApiClient.cs", ApiClient(e, Smell(random, SmellSite.Client)));
        yield return new(e.Folder + "/" + e.Name + "Cache.cs", Cache(e, Smell(random, SmellSite.Cache)));
        yield return new(e.Folder + "/" + e.Name + "Controller.cs", Controller(e, Smell(random, SmellSite.Controller)));
        yield return new(e.Folder + "/" + e.Name + "SyncWorker.cs", Worker(e, Smell(random, SmellSite.Worker)));
        yield return new(e.Folder + "/" + e.Name + "Service.cs", Service(e, random, Smell(random, SmellSite.Service)));
    }

    private enum SmellSite
    {
        Repository,
        Client,
        Cache,
        Controller,
        Worker,
        Service,
    }

    /// <summary>A TailGuard pattern as a class member, for about a quarter of the files.</summary>
    private static string Smell(Random random, SmellSite site)
    {
        if (random.NextDouble() >= 0.25)
        {
            return string.Empty;
        }

        string[] candidates = site switch
        {
            SmellSite.Repository => [BlockingResult, SyncIoInAsync, LockedWait],
            SmellSite.Client => [SleepInAsync, BlockingResult, LargeBuffer],
            SmellSite.Cache => [LockedWait, BusyWait, InducedGc],
            SmellSite.Controller => [BlockingResult, SyncIoInAsync, LargeBuffer],
            SmellSite.Worker => [LongRunningPump, HotLoop, SleepInAsync],
            _ => [ParallelInAsync, LargeStruct, HotLoop, InducedGc],
        };
        return candidates[random.Next(candidates.Length)];
    }

    private const string BlockingResult = """

            public int CountBlocking(Task<int> pending)
            {
                return pending.Result;
            }

        """;

    private const string SyncIoInAsync = """

            public async Task<string> LoadTemplateAsync(string path, CancellationToken ct)
            {
                await Task.Delay(1, ct);
                return System.IO.File.ReadAllText(path);
            }

        """;

    private const string LockedWait = """

            private readonly object _refreshGate = new();

            public void RefreshUnderLock(Task pending)
            {
                lock (_refreshGate)
                {
                    pending.Wait();
                }
            }

        """;

    private const string SleepInAsync = """

            public async Task WarmUpAsync(CancellationToken ct)
            {
                for (var i = 0; i < 3; i++)
                {
                    Thread.Sleep(200);
                    await Task.Yield();
                }
            }

        """;

    private const string LargeBuffer = """

            public async Task<int> ExportAsync(Stream destination, CancellationToken ct)
            {
                var buffer = new byte[256 * 1024];
                await destination.WriteAsync(buffer, ct);
                return buffer.Length;
            }

        """;

    private const string BusyWait = """

            private volatile bool _warm;

            public void WaitUntilWarm()
            {
                while (!_warm)
                {
                    Thread.SpinWait(20);
                }
            }

        """;

    private const string InducedGc = """

            public void Compact()
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

        """;

    private const string LongRunningPump = """

            public Task StartPump(BlockingCollection<int> queue) => Task.Run(() =>
            {
                foreach (var item in queue.GetConsumingEnumerable())
                {
                    Console.WriteLine(item);
                }
            });

        """;

    private const string HotLoop = """

            public async Task<long> ChecksumAsync(byte[] data, CancellationToken ct)
            {
                await Task.Yield();
                long sum = 0;
                while (!ct.IsCancellationRequested)
                {
                    for (var i = 0; i < data.Length; i++)
                    {
                        sum += data[i];
                    }
                }

                return sum;
            }

        """;

    private const string ParallelInAsync = """

            public async Task ReindexAsync(IReadOnlyList<int> ids, CancellationToken ct)
            {
                await Task.Delay(1, ct);
                Parallel.ForEach(ids, id => Console.WriteLine(id));
            }

        """;

    private const string LargeStruct = """

            public async Task<long> AuditAsync(AuditStamp stamp, CancellationToken ct)
            {
                await Task.Delay(1, ct);
                return stamp.A + stamp.H;
            }

        """;

    private const string Usings = """
        using System.Collections.Concurrent;
        using System.Data.Common;
        using System.Globalization;
        using System.Net;
        using System.Net.Http.Json;
        using System.Text.Json;
        using System.Threading.Channels;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.Extensions.Caching.Memory;
        using Microsoft.Extensions.Hosting;
        using Microsoft.Extensions.Logging;
        using Shop;

        """;

    private const string Common = """
        namespace Shop;

        /// <summary>Audit information carried by value through the services.</summary>
        public struct AuditStamp
        {
            public long A, B, C, D, E, F, G, H, I;
        }

        public static class Paging
        {
            public const int DefaultPageSize = 50;
            public const int MaxPageSize = 500;

            public static int Clamp(int take) => take <= 0 ? DefaultPageSize : Math.Min(take, MaxPageSize);
        }

        """;

    private static string Model(Entity e)
    {
        var fields = string.Concat(e.Filters.Select(f => $", string {f}"));
        var dtoFields = string.Concat(e.Filters.Select(f => $"    public string {f} {{ get; set; }} = string.Empty;\n"));
        var toDto = string.Concat(e.Filters.Select(f => $"        {f} = entity.{f},\n"));
        var toEntity = string.Concat(e.Filters.Select(f => $", dto.{f}"));
        return Usings + $$"""
            namespace {{e.Namespace}};

            public enum {{e.Name}}Status
            {
                Pending,
                Active,
                Suspended,
                Archived,
            }

            public sealed record {{e.Name}}(int Id, string Name, decimal Amount, DateTime UpdatedAt, {{e.Name}}Status Status{{fields}});

            public sealed class {{e.Name}}Dto
            {
                public int Id { get; set; }
                public string Name { get; set; } = string.Empty;
                public decimal Amount { get; set; }
                public DateTime UpdatedAt { get; set; }
                public string Status { get; set; } = string.Empty;
            {{dtoFields}}}

            public static class {{e.Name}}Mapping
            {
                public static {{e.Name}}Dto ToDto(this {{e.Name}} entity) => new()
                {
                    Id = entity.Id,
                    Name = entity.Name,
                    Amount = entity.Amount,
                    UpdatedAt = entity.UpdatedAt,
                    Status = entity.Status.ToString(),
            {{toDto}}    };

                public static {{e.Name}} ToEntity(this {{e.Name}}Dto dto)
                    => new(dto.Id, dto.Name, dto.Amount, dto.UpdatedAt, Enum.Parse<{{e.Name}}Status>(dto.Status, ignoreCase: true){{toEntity}});
            }

            """;
    }

    private static string Repository(Entity e, string smell)
    {
        var columns = "id, name, amount, updated_at, status" + string.Concat(e.Filters.Select(f => ", " + f.ToLowerInvariant()));
        var read = string.Concat(e.Filters.Select((f, i) => $", reader.GetString({5 + i})"));
        var queries = new StringBuilder();
        foreach (var filter in e.Filters)
        {
            queries.Append($$"""

                    public async Task<IReadOnlyList<{{e.Name}}>> ListBy{{filter}}Async(string {{Camel(filter)}}, int take, CancellationToken ct)
                    {
                        await using var command = _connection.CreateCommand();
                        command.CommandText = "SELECT {{columns}} FROM {{e.Table}} WHERE {{filter.ToLowerInvariant()}} = @value ORDER BY updated_at DESC LIMIT @take";
                        AddParameter(command, "@value", {{Camel(filter)}});
                        AddParameter(command, "@take", Paging.Clamp(take));
                        var results = new List<{{e.Name}}>();
                        await using var reader = await command.ExecuteReaderAsync(ct);
                        while (await reader.ReadAsync(ct))
                        {
                            results.Add(Read(reader));
                        }

                        _logger.LogDebug("{{e.Name}} by {{filter}} {Value}: {Count} rows", {{Camel(filter)}}, results.Count);
                        return results;
                    }

                """);
        }

        var insertColumns = columns;
        var insertValues = "@id, @name, @amount, @updated_at, @status" + string.Concat(e.Filters.Select(f => ", @" + f.ToLowerInvariant()));
        var insertParameters = string.Concat(e.Filters.Select(f => $"        AddParameter(command, \"@{f.ToLowerInvariant()}\", entity.{f});\n"));
        return Usings + $$"""
            namespace {{e.Namespace}};

            public interface I{{e.Name}}Repository
            {
                Task<{{e.Name}}?> FindAsync(int id, CancellationToken ct);

                Task<IReadOnlyList<{{e.Name}}>> ListAsync(int skip, int take, CancellationToken ct);

                Task<int> UpsertAsync({{e.Name}} entity, CancellationToken ct);

                Task<bool> DeleteAsync(int id, CancellationToken ct);

                Task<int> CountAsync(CancellationToken ct);
            }

            public sealed class {{e.Name}}Repository : I{{e.Name}}Repository
            {
                private readonly DbConnection _connection;
                private readonly ILogger<{{e.Name}}Repository> _logger;

                public {{e.Name}}Repository(DbConnection connection, ILogger<{{e.Name}}Repository> logger)
                {
                    _connection = connection;
                    _logger = logger;
                }

                public async Task<{{e.Name}}?> FindAsync(int id, CancellationToken ct)
                {
                    await using var command = _connection.CreateCommand();
                    command.CommandText = "SELECT {{columns}} FROM {{e.Table}} WHERE id = @id";
                    AddParameter(command, "@id", id);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    if (!await reader.ReadAsync(ct))
                    {
                        _logger.LogDebug("{{e.Name}} {Id} not found", id);
                        return null;
                    }

                    return Read(reader);
                }

                public async Task<IReadOnlyList<{{e.Name}}>> ListAsync(int skip, int take, CancellationToken ct)
                {
                    await using var command = _connection.CreateCommand();
                    command.CommandText = "SELECT {{columns}} FROM {{e.Table}} ORDER BY id OFFSET @skip LIMIT @take";
                    AddParameter(command, "@skip", Math.Max(0, skip));
                    AddParameter(command, "@take", Paging.Clamp(take));
                    var results = new List<{{e.Name}}>(Paging.Clamp(take));
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        results.Add(Read(reader));
                    }

                    return results;
                }

                public async Task<int> UpsertAsync({{e.Name}} entity, CancellationToken ct)
                {
                    ArgumentNullException.ThrowIfNull(entity);
                    await using var command = _connection.CreateCommand();
                    command.CommandText = "INSERT INTO {{e.Table}} ({{insertColumns}}) VALUES ({{insertValues}}) ON CONFLICT (id) DO UPDATE SET name = @name, amount = @amount, updated_at = @updated_at, status = @status";
                    AddParameter(command, "@id", entity.Id);
                    AddParameter(command, "@name", entity.Name);
                    AddParameter(command, "@amount", entity.Amount);
                    AddParameter(command, "@updated_at", entity.UpdatedAt);
                    AddParameter(command, "@status", (int)entity.Status);
            {{insertParameters}}        var affected = await command.ExecuteNonQueryAsync(ct);
                    _logger.LogInformation("Upserted {{e.Name}} {Id} ({Affected} rows)", entity.Id, affected);
                    return affected;
                }

                public async Task<bool> DeleteAsync(int id, CancellationToken ct)
                {
                    await using var command = _connection.CreateCommand();
                    command.CommandText = "DELETE FROM {{e.Table}} WHERE id = @id";
                    AddParameter(command, "@id", id);
                    return await command.ExecuteNonQueryAsync(ct) > 0;
                }

                public async Task<int> CountAsync(CancellationToken ct)
                {
                    await using var command = _connection.CreateCommand();
                    command.CommandText = "SELECT COUNT(*) FROM {{e.Table}}";
                    var result = await command.ExecuteScalarAsync(ct);
                    return Convert.ToInt32(result, CultureInfo.InvariantCulture);
                }
            {{queries}}{{smell}}
                private static {{e.Name}} Read(DbDataReader reader)
                    => new(reader.GetInt32(0), reader.GetString(1), reader.GetDecimal(2), reader.GetDateTime(3), ({{e.Name}}Status)reader.GetInt32(4){{read}});

                private static void AddParameter(DbCommand command, string name, object value)
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.Value = value;
                    command.Parameters.Add(parameter);
                }
            }

            """;
    }

    private static string ApiClient(Entity e, string smell) => Usings + $$"""
        namespace {{e.Namespace}};

        public sealed class {{e.Name}}ApiClient
        {
            private const int MaxAttempts = 3;
            private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
            private readonly HttpClient _http;
            private readonly ILogger<{{e.Name}}ApiClient> _logger;

            public {{e.Name}}ApiClient(HttpClient http, ILogger<{{e.Name}}ApiClient> logger)
            {
                _http = http;
                _logger = logger;
            }

            public async Task<{{e.Name}}?> FetchAsync(int id, CancellationToken ct)
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        using var response = await _http.GetAsync("{{e.Route}}/" + id.ToString(CultureInfo.InvariantCulture), ct);
                        if (response.StatusCode == HttpStatusCode.NotFound)
                        {
                            return null;
                        }

                        response.EnsureSuccessStatusCode();
                        await using var stream = await response.Content.ReadAsStreamAsync(ct);
                        var dto = await JsonSerializer.DeserializeAsync<{{e.Name}}Dto>(stream, JsonOptions, ct);
                        return dto?.ToEntity();
                    }
                    catch (HttpRequestException ex) when (attempt < MaxAttempts)
                    {
                        _logger.LogWarning(ex, "Fetching {{e.Name}} {Id} failed (attempt {Attempt})", id, attempt);
                        await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), ct);
                    }
                }
            }

            public async Task<IReadOnlyList<{{e.Name}}>> FetchPageAsync(int page, CancellationToken ct)
            {
                var url = "{{e.Route}}?page=" + page.ToString(CultureInfo.InvariantCulture) + "&size=" + Paging.DefaultPageSize.ToString(CultureInfo.InvariantCulture);
                var dtos = await _http.GetFromJsonAsync<List<{{e.Name}}Dto>>(url, JsonOptions, ct) ?? [];
                return dtos.Select(d => d.ToEntity()).ToList();
            }

            public async Task<IReadOnlyList<{{e.Name}}>> FetchAllAsync(CancellationToken ct)
            {
                var all = new List<{{e.Name}}>();
                for (var page = 0; ; page++)
                {
                    var batch = await FetchPageAsync(page, ct);
                    all.AddRange(batch);
                    if (batch.Count < Paging.DefaultPageSize)
                    {
                        return all;
                    }
                }
            }

            public async Task<bool> PushAsync({{e.Name}} entity, CancellationToken ct)
            {
                using var content = JsonContent.Create(entity.ToDto(), options: JsonOptions);
                using var response = await _http.PostAsync("{{e.Route}}", content, ct);
                if (!response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadAsStringAsync(ct);
                    _logger.LogWarning("Pushing {{e.Name}} {Id} returned {Status}: {Body}", entity.Id, (int)response.StatusCode, body);
                    return false;
                }

                return true;
            }
        {{smell}}}

        """;

    private static string Cache(Entity e, string smell) => Usings + $$"""
        namespace {{e.Namespace}};

        public sealed class {{e.Name}}Cache
        {
            private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
            private readonly IMemoryCache _cache;
            private readonly SemaphoreSlim _loadLock = new(1, 1);
            private readonly ConcurrentDictionary<int, DateTime> _lastSeen = new();

            public {{e.Name}}Cache(IMemoryCache cache)
            {
                _cache = cache;
            }

            public int Tracked => _lastSeen.Count;

            public {{e.Name}}? TryGet(int id)
            {
                if (_cache.TryGetValue(Key(id), out {{e.Name}}? value))
                {
                    _lastSeen[id] = DateTime.UtcNow;
                    return value;
                }

                return null;
            }

            public void Put({{e.Name}} entity)
            {
                _cache.Set(Key(entity.Id), entity, Lifetime);
                _lastSeen[entity.Id] = DateTime.UtcNow;
            }

            public void Evict(int id)
            {
                _cache.Remove(Key(id));
                _lastSeen.TryRemove(id, out _);
            }

            public async Task<{{e.Name}}?> GetOrLoadAsync(int id, Func<int, CancellationToken, Task<{{e.Name}}?>> load, CancellationToken ct)
            {
                var cached = TryGet(id);
                if (cached is not null)
                {
                    return cached;
                }

                await _loadLock.WaitAsync(ct);
                try
                {
                    cached = TryGet(id);
                    if (cached is not null)
                    {
                        return cached;
                    }

                    var loaded = await load(id, ct);
                    if (loaded is not null)
                    {
                        Put(loaded);
                    }

                    return loaded;
                }
                finally
                {
                    _loadLock.Release();
                }
            }

            public IReadOnlyList<int> Stale(TimeSpan age)
            {
                var threshold = DateTime.UtcNow - age;
                return _lastSeen.Where(pair => pair.Value < threshold).Select(pair => pair.Key).OrderBy(id => id).ToList();
            }

            private static string Key(int id) => "{{e.Table}}:" + id.ToString(CultureInfo.InvariantCulture);
        {{smell}}}

        """;

    private static string Controller(Entity e, string smell) => Usings + $$"""
        namespace {{e.Namespace}};

        [ApiController]
        [Route("{{e.Route}}")]
        public sealed class {{e.Name}}Controller : ControllerBase
        {
            private readonly {{e.Name}}Service _service;
            private readonly ILogger<{{e.Name}}Controller> _logger;

            public {{e.Name}}Controller({{e.Name}}Service service, ILogger<{{e.Name}}Controller> logger)
            {
                _service = service;
                _logger = logger;
            }

            [HttpGet("{id:int}")]
            public async Task<ActionResult<{{e.Name}}Dto>> Get(int id, CancellationToken ct)
            {
                var dto = await _service.GetAsync(id, ct);
                return dto is null ? NotFound() : Ok(dto);
            }

            [HttpGet]
            public async Task<ActionResult<IReadOnlyList<{{e.Name}}Dto>>> List([FromQuery] int skip = 0, [FromQuery] int take = Paging.DefaultPageSize, CancellationToken ct = default)
            {
                var page = await _service.ListAsync(skip, take, ct);
                Response.Headers["X-Total-Count"] = (await _service.CountAsync(ct)).ToString(CultureInfo.InvariantCulture);
                return Ok(page);
            }

            [HttpPost]
            public async Task<IActionResult> Create({{e.Name}}Dto dto, CancellationToken ct)
            {
                if (!{{e.Name}}Service.IsValid(dto, out var error))
                {
                    _logger.LogInformation("Rejected {{e.Name}}: {Error}", error);
                    return BadRequest(error);
                }

                await _service.SaveAsync(dto, ct);
                return CreatedAtAction(nameof(Get), new { id = dto.Id }, dto);
            }

            [HttpPut("{id:int}")]
            public async Task<IActionResult> Update(int id, {{e.Name}}Dto dto, CancellationToken ct)
            {
                if (id != dto.Id)
                {
                    return BadRequest("id mismatch");
                }

                if (!{{e.Name}}Service.IsValid(dto, out var error))
                {
                    return BadRequest(error);
                }

                await _service.SaveAsync(dto, ct);
                return NoContent();
            }

            [HttpDelete("{id:int}")]
            public async Task<IActionResult> Delete(int id, CancellationToken ct)
                => await _service.DeleteAsync(id, ct) ? NoContent() : NotFound();

            [HttpPost("sync")]
            public async Task<IActionResult> Sync([FromBody] int[] ids, CancellationToken ct)
            {
                var synced = await _service.SyncAsync(ids, ct);
                return Ok(new { requested = ids.Length, synced = synced.Count });
            }
        {{smell}}}

        """;

    private static string Worker(Entity e, string smell) => Usings + $$"""
        namespace {{e.Namespace}};

        public sealed class {{e.Name}}SyncWorker : BackgroundService
        {
            private readonly Channel<int> _queue = Channel.CreateBounded<int>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.Wait });
            private readonly {{e.Name}}Service _service;
            private readonly ILogger<{{e.Name}}SyncWorker> _logger;

            public {{e.Name}}SyncWorker({{e.Name}}Service service, ILogger<{{e.Name}}SyncWorker> logger)
            {
                _service = service;
                _logger = logger;
            }

            public ValueTask EnqueueAsync(int id, CancellationToken ct) => _queue.Writer.WriteAsync(id, ct);

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                var consumer = ConsumeAsync(stoppingToken);
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30));
                try
                {
                    while (await timer.WaitForNextTickAsync(stoppingToken))
                    {
                        try
                        {
                            var count = await _service.CountAsync(stoppingToken);
                            _logger.LogInformation("{{e.Name}} count: {Count}", count);
                        }
                        catch (DbException ex)
                        {
                            _logger.LogWarning(ex, "Counting {{e.Name}} failed");
                        }
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    _logger.LogInformation("{{e.Name}} sync worker stopping");
                }

                _queue.Writer.TryComplete();
                await consumer;
            }

            private async Task ConsumeAsync(CancellationToken ct)
            {
                var batch = new List<int>(32);
                try
                {
                    await foreach (var id in _queue.Reader.ReadAllAsync(ct))
                    {
                        batch.Add(id);
                        if (batch.Count == batch.Capacity || _queue.Reader.Count == 0)
                        {
                            await _service.SyncAsync(batch, ct);
                            batch.Clear();
                        }
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    _logger.LogDebug("{{e.Name}} consumer cancelled with {Pending} pending", batch.Count);
                }
            }
        {{smell}}}

        """;

    private static string Service(Entity e, Random random, string smell)
    {
        var validations = string.Concat(e.Filters.Select(f => $$"""

                    if (string.IsNullOrWhiteSpace(dto.{{f}}))
                    {
                        error = "{{f}} is required";
                        return false;
                    }

            """));
        var reports = new StringBuilder();
        foreach (var filter in e.Filters.Take(random.Next(1, e.Filters.Length + 1)))
        {
            reports.Append($$"""

                    public async Task<IReadOnlyDictionary<string, decimal>> TotalsBy{{filter}}Async(int take, CancellationToken ct)
                    {
                        var page = await _repository.ListAsync(0, take, ct);
                        return page
                            .Where(x => x.Status != {{e.Name}}Status.Archived)
                            .GroupBy(x => x.{{filter}}, StringComparer.OrdinalIgnoreCase)
                            .ToDictionary(g => g.Key, g => g.Sum(x => x.Amount), StringComparer.OrdinalIgnoreCase);
                    }

                """);
        }

        return Usings + $$"""
            namespace {{e.Namespace}};

            public sealed class {{e.Name}}Service
            {
                private readonly I{{e.Name}}Repository _repository;
                private readonly {{e.Name}}ApiClient _client;
                private readonly {{e.Name}}Cache _cache;
                private readonly ILogger<{{e.Name}}Service> _logger;

                public {{e.Name}}Service(I{{e.Name}}Repository repository, {{e.Name}}ApiClient client, {{e.Name}}Cache cache, ILogger<{{e.Name}}Service> logger)
                {
                    _repository = repository;
                    _client = client;
                    _cache = cache;
                    _logger = logger;
                }

                public async Task<{{e.Name}}Dto?> GetAsync(int id, CancellationToken ct)
                {
                    var entity = await _cache.GetOrLoadAsync(id, LoadAsync, ct);
                    return entity?.ToDto();
                }

                public async Task<IReadOnlyList<{{e.Name}}Dto>> ListAsync(int skip, int take, CancellationToken ct)
                {
                    var page = await _repository.ListAsync(skip, take, ct);
                    foreach (var entity in page)
                    {
                        _cache.Put(entity);
                    }

                    return page.Select(x => x.ToDto()).ToList();
                }

                public async Task<int> CountAsync(CancellationToken ct)
                {
                    return await _repository.CountAsync(ct);
                }

                public async Task SaveAsync({{e.Name}}Dto dto, CancellationToken ct)
                {
                    var entity = dto.ToEntity() with { UpdatedAt = DateTime.UtcNow };
                    await _repository.UpsertAsync(entity, ct);
                    _cache.Put(entity);
                    if (!await _client.PushAsync(entity, ct))
                    {
                        _logger.LogWarning("{{e.Name}} {Id} saved locally but not pushed", entity.Id);
                    }
                }

                public async Task<bool> DeleteAsync(int id, CancellationToken ct)
                {
                    var deleted = await _repository.DeleteAsync(id, ct);
                    _cache.Evict(id);
                    return deleted;
                }

                public async Task<IReadOnlyList<{{e.Name}}>> SyncAsync(IReadOnlyCollection<int> ids, CancellationToken ct)
                {
                    var fetches = ids.Distinct().Select(id => _client.FetchAsync(id, ct)).ToList();
                    var fetched = await Task.WhenAll(fetches);
                    var synced = new List<{{e.Name}}>(fetched.Length);
                    foreach (var entity in fetched)
                    {
                        if (entity is null)
                        {
                            continue;
                        }

                        await _repository.UpsertAsync(entity, ct);
                        _cache.Put(entity);
                        synced.Add(entity);
                    }

                    _logger.LogInformation("Synced {Synced} of {Requested} {{e.Name}} records", synced.Count, ids.Count);
                    return synced;
                }
            {{reports}}
                public static bool IsValid({{e.Name}}Dto dto, out string error)
                {
                    if (dto.Id <= 0)
                    {
                        error = "Id must be positive";
                        return false;
                    }

                    if (string.IsNullOrWhiteSpace(dto.Name) || dto.Name.Length > 200)
                    {
                        error = "Name is required and at most 200 characters";
                        return false;
                    }

                    if (dto.Amount < 0)
                    {
                        error = "Amount cannot be negative";
                        return false;
                    }

                    if (!Enum.TryParse<{{e.Name}}Status>(dto.Status, ignoreCase: true, out _))
                    {
                        error = "Unknown status " + dto.Status;
                        return false;
                    }
            {{validations}}
                    error = string.Empty;
                    return true;
                }

                private async Task<{{e.Name}}?> LoadAsync(int id, CancellationToken ct)
                {
                    var entity = await _repository.FindAsync(id, ct);
                    if (entity is not null)
                    {
                        return entity;
                    }

                    entity = await _client.FetchAsync(id, ct);
                    if (entity is not null)
                    {
                        await _repository.UpsertAsync(entity, ct);
                    }

                    return entity;
                }
            {{smell}}}

            """;
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
