#!/bin/sh
echo hi from bash-app
