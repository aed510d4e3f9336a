// Written out rather than implicit, so the samples test compiles exactly these files and sees what the build sees.
global using System;
global using System.IO;
global using System.Threading;
global using System.Threading.Tasks;
