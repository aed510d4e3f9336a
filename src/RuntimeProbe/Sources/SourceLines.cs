using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// Resolves a sampled frame to its source file and line: the frame's native offset to an IL offset through the method's
/// IL-to-native map (<see cref="MethodCodeMap.ILOffset"/>), then the IL offset to a sequence point of the method in the
/// module's portable PDB (next to the module, at the path its debug directory names, or embedded in it). Each module's PDB is
/// opened once and kept until <see cref="Dispose"/>.
/// </summary>
internal sealed class SourceLines : IDisposable
{
    public const string ReadyToRun = "ready-to-run (precompiled) code carries no IL-to-native map";
    public const string NoILMap = "the runtime sent no IL-to-native map for the method (jitted before the session without a rundown)";
    public const string NoPdb = "no portable PDB was found for its module";

    private readonly Dictionary<long, MetadataReaderProvider?> _pdbs = [];

    public SourceLine Resolve(MethodCodeMap methods, MethodCode method, ulong address)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(method);
        if (methods.ILOffset(method, address) is not { } il)
        {
            return new SourceLine(null, null, method.IsJitted ? NoILMap : ReadyToRun);
        }

        if (Pdb(methods, method.ModuleId) is not { } reader)
        {
            return new SourceLine(null, null, NoPdb);
        }

        try
        {
            var handle = MetadataTokens.MethodDefinitionHandle(method.Token & 0xFFFFFF).ToDebugInformationHandle();
            SequencePoint? best = null;
            foreach (var point in reader.GetMethodDebugInformation(handle).GetSequencePoints())
            {
                if (point.IsHidden || point.Offset > il)
                {
                    continue;
                }

                if (best is null || point.Offset >= best.Value.Offset)
                {
                    best = point;
                }
            }

            if (best is { } found)
            {
                var file = reader.GetString(reader.GetDocument(found.Document).Name);
                return new SourceLine(file, found.StartLine, null);
            }
        }
        catch (Exception ex) when (ex is BadImageFormatException or ArgumentException or InvalidOperationException)
        {
            return new SourceLine(null, null, $"its PDB could not be read ({ex.Message})");
        }

        return new SourceLine(null, null, "its PDB has no sequence point for the method's code");
    }

    private MetadataReader? Pdb(MethodCodeMap methods, long moduleId)
    {
        if (!_pdbs.TryGetValue(moduleId, out var provider))
        {
            provider = methods.Modules.TryGetValue(moduleId, out var module) ? Open(module) : null;
            _pdbs[moduleId] = provider;
        }

        return provider?.GetMetadataReader();
    }

    private static MetadataReaderProvider? Open(ModuleFile module)
    {
        foreach (var candidate in new[] { module.Path is null ? null : Path.ChangeExtension(module.Path, ".pdb"), module.PdbPath })
        {
            if (candidate is not null && File.Exists(candidate) && TryOpenPortable(candidate) is { } provider)
            {
                return provider;
            }
        }

        return module.Path is not null && File.Exists(module.Path) ? Embedded(module.Path) : null;
    }

    private static MetadataReaderProvider? TryOpenPortable(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            // Portable PDBs start with the metadata signature "BSJB"; Windows PDBs do not and cannot be read here.
            if (bytes.Length < 4 || bytes[0] != 'B' || bytes[1] != 'S' || bytes[2] != 'J' || bytes[3] != 'B')
            {
                return null;
            }

            return MetadataReaderProvider.FromPortablePdbImage(System.Collections.Immutable.ImmutableArray.Create(bytes));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            return null;
        }
    }

    private static MetadataReaderProvider? Embedded(string modulePath)
    {
        try
        {
            using var pe = new PEReader(File.OpenRead(modulePath));
            foreach (var entry in pe.ReadDebugDirectory())
            {
                if (entry.Type == DebugDirectoryEntryType.EmbeddedPortablePdb)
                {
                    return pe.ReadEmbeddedPortablePdbDebugDirectoryData(entry);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException)
        {
            return null;
        }

        return null;
    }

    public void Dispose()
    {
        foreach (var provider in _pdbs.Values)
        {
            provider?.Dispose();
        }

        _pdbs.Clear();
    }
}

/// <summary>A frame's source file and line, or why it has none.</summary>
internal sealed record SourceLine(string? File, int? Line, string? Reason);
