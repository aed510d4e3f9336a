using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using TailGuard.Output;

namespace TailGuard.Sizes;

/// <summary>Checks a file before anything is loaded: it must be a .NET assembly with code, not a reference assembly.</summary>
internal static class AssemblyFile
{
    public static void Check(string path)
    {
        if (!File.Exists(path))
        {
            throw new UserError($"{path} does not exist.");
        }

        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                throw new UserError($"{path} is not a .NET assembly (no CLI metadata).");
            }

            var metadata = pe.GetMetadataReader();
            if (!metadata.IsAssembly)
            {
                throw new UserError($"{path} is a .NET module, not an assembly.");
            }

            if (IsReferenceAssembly(metadata))
            {
                throw new UserError(
                    $"{path} is a reference assembly (metadata only, no method bodies, no state machines): point at the built assembly in bin/, not obj/.../ref/.");
            }
        }
        catch (BadImageFormatException)
        {
            throw new UserError($"{path} is not a .NET assembly (not a valid PE file).");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"Cannot read {path}: {ex.Message}", ex);
        }
    }

    private static bool IsReferenceAssembly(MetadataReader metadata)
    {
        foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
        {
            var constructor = metadata.GetCustomAttribute(handle).Constructor;
            if (constructor.Kind != HandleKind.MemberReference)
            {
                continue;
            }

            var parent = metadata.GetMemberReference((MemberReferenceHandle)constructor).Parent;
            if (parent.Kind == HandleKind.TypeReference)
            {
                var type = metadata.GetTypeReference((TypeReferenceHandle)parent);
                if (metadata.StringComparer.Equals(type.Name, "ReferenceAssemblyAttribute")
                    && metadata.StringComparer.Equals(type.Namespace, "System.Runtime.CompilerServices"))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
