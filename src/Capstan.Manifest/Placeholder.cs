namespace Capstan.Manifest;
