using System.Collections.Generic;
using System.Globalization;

namespace TailGuard.Samples.AdversarialService;

/// <summary>One product of the <see cref="Catalog"/>: a few small objects, as real cached entities are.</summary>
public sealed record CatalogItem(int Id, string Name, decimal Price, string[] Tags);

/// <summary>
/// The in-memory product cache a real service keeps warm: built once at start-up, read by the report endpoints, never
/// changed. It is the live heap every full (gen2) collection has to mark, which is what makes memory pressure cost something:
/// the large-object allocations of <c>/bad/loh-allocation</c> trigger gen2 collections, and each one walks these objects.
/// Gen0 collections do not (nothing here points at young objects), so the fixed endpoints do not pay for it.
/// </summary>
public sealed class Catalog
{
    private static readonly string[] TagNames = ["new", "sale", "eco", "bulk", "fragile", "imported", "seasonal", "clearance"];

    private readonly Dictionary<int, CatalogItem> _items;

    public Catalog(WorkloadOptions workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        _items = new Dictionary<int, CatalogItem>(workload.CatalogEntries);
        for (var id = 0; id < workload.CatalogEntries; id++)
        {
            _items[id] = new CatalogItem(
                id,
                string.Create(CultureInfo.InvariantCulture, $"product {id:D7}"),
                (id % 10_000) / 100m,
                [TagNames[id % TagNames.Length], TagNames[(id / 8) % TagNames.Length]]);
        }
    }

    public int Count => _items.Count;

    /// <summary>The product a quote is about (any entry: the catalog is only there to be live).</summary>
    public CatalogItem? Find(int key) => _items.Count == 0 ? null : _items.GetValueOrDefault(Math.Abs(key % _items.Count));
}
