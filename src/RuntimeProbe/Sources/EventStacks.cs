using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Tracing;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// Reads the raw stack (return addresses, innermost first) that EventPipe attached to an event. TraceEvent keeps it in the
/// event record's extended data (EVENT_HEADER_EXT_TYPE_STACK_TRACE64) but exposes it only through <c>TraceLog</c>, which
/// builds a whole trace model; the probe only needs a handful of stacks, so it reads the record directly.
/// </summary>
internal static class EventStacks
{
    // Layout of TraceEventNativeMethods.EVENT_RECORD / EVENT_HEADER_EXTENDED_DATA_ITEM (the Windows ETW structs TraceEvent
    // mirrors for EventPipe too), 64-bit.
    private const int ExtendedDataCountOffset = 84;
    private const int ExtendedDataOffset = 88;
    private const int ItemSize = 16;
    private const int ItemExtTypeOffset = 2;
    private const int ItemDataSizeOffset = 6;
    private const int ItemDataPtrOffset = 8;
    private const short StackTrace64 = 6;

    private static readonly Func<TraceEvent, IntPtr>? ReadRecord = CreateReader();

    /// <summary>False when this TraceEvent version no longer has the field: stacks are then unavailable, not wrong.</summary>
    public static bool Available => ReadRecord is not null && IntPtr.Size == 8;

    /// <summary>Copies the event's stack into <paramref name="into"/>; returns the number of frames (0 when it has none).</summary>
    public static int Copy(TraceEvent e, long[] into)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(into);
        if (!Available)
        {
            return 0;
        }

        var record = ReadRecord!(e);
        if (record == IntPtr.Zero)
        {
            return 0;
        }

        var count = (ushort)Marshal.ReadInt16(record, ExtendedDataCountOffset);
        var items = Marshal.ReadIntPtr(record, ExtendedDataOffset);
        for (var i = 0; i < count && items != IntPtr.Zero; i++)
        {
            var item = items + i * ItemSize;
            if (Marshal.ReadInt16(item, ItemExtTypeOffset) != StackTrace64)
            {
                continue;
            }

            var size = (ushort)Marshal.ReadInt16(item, ItemDataSizeOffset);
            var data = (IntPtr)Marshal.ReadInt64(item, ItemDataPtrOffset);
            var frames = Math.Min((size - sizeof(ulong)) / sizeof(ulong), into.Length);
            if (frames <= 0 || data == IntPtr.Zero)
            {
                return 0;
            }

            // The first 8 bytes are the ETW MatchId; the addresses follow.
            Marshal.Copy(data + sizeof(ulong), into, 0, frames);
            return frames;
        }

        return 0;
    }

    private static Func<TraceEvent, IntPtr>? CreateReader()
    {
        var field = typeof(TraceEvent).GetField("eventRecord", BindingFlags.Instance | BindingFlags.NonPublic);
        if (field is null || !field.FieldType.IsPointer)
        {
            return null;
        }

        var method = new DynamicMethod("ReadEventRecord", typeof(IntPtr), [typeof(TraceEvent)], typeof(EventStacks).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, field);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Func<TraceEvent, IntPtr>>();
    }
}
