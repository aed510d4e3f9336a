using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// Managed code address ranges with what resolving a sampled frame to a source line needs: the method's name, id, metadata
/// token and module, whether it was jitted (ready-to-run code has no IL-to-native map), the IL-to-native map when the runtime
/// sent one (MethodILToNativeMap, keyword 0x20000, and its rundown twin), and the modules' files. Filled from method loads
/// during the session and the rundown at its end; one entry per method body, bounded by the target's code.
/// </summary>
internal sealed class MethodCodeMap
{
    private readonly CodeRanges<MethodCode> _ranges = new();
    // A method has one id and several code versions (tier 0, OSR, tier 1), told apart by the events' ReJITID (the code
    // version); each version's load and map come together, the load first when the method is jitted and the map first in
    // the rundown.
    private readonly Dictionary<(long MethodId, long Version), MethodCode> _lastLoad = [];
    private readonly Dictionary<(long MethodId, long Version), ILMap> _pendingMaps = [];
    private readonly Dictionary<long, ModuleFile> _modules = [];
    private readonly Dictionary<string, string> _typeNames = new(StringComparer.Ordinal);

    public int Count => _ranges.Count;

    public int ILMaps { get; private set; }

    public IReadOnlyDictionary<long, ModuleFile> Modules => _modules;

    public void Subscribe(TraceEventDispatcher source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var clr = source.Clr;
        clr.MethodLoadVerbose += OnMethod;
        clr.MethodILToNativeMap += OnILMap;
        clr.LoaderModuleLoad += OnModule;
        var rundown = new ClrRundownTraceEventParser(source);
        rundown.MethodDCStopVerbose += OnMethod;
        rundown.MethodDCStartVerbose += OnMethod;
        rundown.MethodILToNativeMapDCStop += OnILMap;
        rundown.MethodILToNativeMapDCStart += OnILMap;
        rundown.LoaderModuleDCStop += OnModule;
        rundown.LoaderModuleDCStart += OnModule;
    }

    private void OnMethod(MethodLoadUnloadVerboseTraceData d)
    {
        if (d.MethodStartAddress == 0 || d.MethodSize <= 0)
        {
            return;
        }

        var typeName = d.MethodNamespace;
        if (!_typeNames.TryGetValue(typeName, out var type))
        {
            type = MethodAddressMap.StripGenericArguments(typeName);
            _typeNames[typeName] = type;
        }

        var name = type.Length == 0 ? d.MethodName : type + "." + d.MethodName;
        var code = new MethodCode(d.MethodStartAddress, d.MethodStartAddress + (ulong)d.MethodSize, name, d.MethodID, d.ModuleID,
            d.MethodToken, d.IsJitted);
        var version = (d.MethodID, (long)d.ReJITID);
        if (_pendingMaps.Remove(version, out var pending))
        {
            Bind(code, pending);
        }

        _lastLoad[version] = code;
        _ranges.Add(code.Start, code.End, code);
    }

    private void OnILMap(MethodILToNativeMapTraceData d)
    {
        // Only the method's main body (extent 0): the code its load's address range covers.
        if (d.MethodExtent != 0 || d.CountOfMapEntries <= 0)
        {
            return;
        }

        var il = new int[d.CountOfMapEntries];
        var native = new int[d.CountOfMapEntries];
        for (var i = 0; i < il.Length; i++)
        {
            il[i] = d.ILOffset(i);
            native[i] = d.NativeOffset(i);
        }

        var map = new ILMap(il, native);
        var version = (d.MethodID, (long)d.ReJITID);
        if (_lastLoad.TryGetValue(version, out var code) && code.Map is null)
        {
            Bind(code, map);
        }
        else
        {
            _pendingMaps[version] = map;
        }
    }

    private void Bind(MethodCode code, ILMap map)
    {
        code.Map = map;
        ILMaps++;
    }

    private void OnModule(ModuleLoadUnloadTraceData d) =>
        _modules[d.ModuleID] = new ModuleFile(d.ModuleILPath, d.ManagedPdbBuildPath, d.ManagedPdbSignature);

    /// <summary>The method whose code holds the return address <paramref name="address"/>, or null (native or unknown code).</summary>
    public MethodCode? Resolve(ulong address) => _ranges.Find(address);

    /// <summary>
    /// The IL offset of the instruction at <paramref name="address"/> (a return address: the call one byte before it) in
    /// <paramref name="method"/>, from its IL-to-native map; null when the runtime sent no map for it (ready-to-run code, or a
    /// method jitted before the session without rundown).
    /// </summary>
    public int? ILOffset(MethodCode method, ulong address)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Map is not { } map)
        {
            return null;
        }

        var native = (long)(address - 1 - method.Start);

        // The entry whose code holds the address: the last one starting at or before it. Code that maps to no IL (-1, moved
        // out of line: a loop's condition placed after its body) or to the prolog (-2) belongs to the statement it leads into,
        // the next entry with an IL offset.
        var at = -1;
        for (var i = 0; i < map.Native.Length; i++)
        {
            if (map.Native[i] <= native && (at < 0 || map.Native[i] >= map.Native[at]))
            {
                at = i;
            }
        }

        if (at >= 0 && map.Il[at] >= 0)
        {
            return map.Il[at];
        }

        var start = at < 0 ? -1 : map.Native[at];
        int? next = null;
        var nextNative = int.MaxValue;
        for (var i = 0; i < map.Native.Length; i++)
        {
            if (map.Il[i] >= 0 && map.Native[i] > start && map.Native[i] < nextNative)
            {
                next = map.Il[i];
                nextNative = map.Native[i];
            }
        }

        return next;
    }
}

/// <summary>One method body's code (one code version of the method), with its IL-to-native map once the runtime sent it.</summary>
internal sealed record MethodCode(ulong Start, ulong End, string Name, long MethodId, long ModuleId, int Token, bool IsJitted)
{
    public ILMap? Map { get; set; }
}

/// <summary>IL offsets and the native offsets their code starts at, as the runtime's MethodILToNativeMap lists them.</summary>
internal sealed record ILMap(int[] Il, int[] Native);

/// <summary>A loaded module: its file and the PDB it was built with (path and id, from the module's debug directory).</summary>
internal sealed record ModuleFile(string? Path, string? PdbPath, Guid PdbSignature);
